"""SQL files of the package (`sql/`), read and run with bound parameters.

Every query of the library is a file here, run by the functions below with its
values bound as `$name` parameters. Some files are templates: their `{name}`
placeholders take fragments the caller builds from identifiers (quoted lists from
the schema, such as the tables of a user's personal data) or from other files here
(the usage window's logins), never values. What stays in Python is SQL generated
rather than written: the loader's statements, built from the schema and each file's
columns, and the large sample's generator (CONTRIBUTING.md, "House rules").
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:  # pandas is loaded by DuckDB when a frame is asked for
    import pandas as pd

SQL_DIR = Path(__file__).parent


Fragments = dict[str, str]


@cache
def _file_text(sql_file: str) -> str:
    return (SQL_DIR / sql_file).read_text(encoding="utf-8")


def read_sql(sql_file: str, fragments: Fragments | None = None) -> str:
    """The text of `sql/<sql_file>`, a template's placeholders filled with `fragments`."""
    text = _file_text(sql_file)
    return text.format_map(fragments) if fragments is not None else text


def execute(
    cursor: duckdb.DuckDBPyConnection,
    sql_file: str,
    fragments: Fragments | None = None,
    **params: Any,
) -> duckdb.DuckDBPyConnection:
    """Run one SQL file with named parameters ($as_of, ...); the cursor holds the result."""
    sql = read_sql(sql_file, fragments)
    # DuckDB refuses values for parameters a statement does not use.
    used = {name: v for name, v in params.items() if f"${name}" in sql}
    return cursor.execute(sql, used)


def query(
    cursor: duckdb.DuckDBPyConnection,
    sql_file: str,
    fragments: Fragments | None = None,
    **params: Any,
) -> list[dict[str, Any]]:
    """Run one SQL file with named parameters; rows as dicts."""
    result = execute(cursor, sql_file, fragments, **params)
    names = [d[0] for d in result.description or []]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def frame(
    cursor: duckdb.DuckDBPyConnection,
    sql_file: str,
    fragments: Fragments | None = None,
    **params: Any,
) -> pd.DataFrame:
    """Run one SQL file with named parameters; the result as a pandas DataFrame."""
    return execute(cursor, sql_file, fragments, **params).df()


def define(
    cursor: duckdb.DuckDBPyConnection, sql_file: str, fragments: Fragments | None = None
) -> None:
    """Run a file of definitions (temporary macros and tables) on `cursor`. Temporary
    objects belong to one cursor, so each cursor defines its own."""
    cursor.execute(read_sql(sql_file, fragments))
