"""SQL files of the package (`sql/`), read and run with bound parameters.

Kept apart from `rules/` so modules the rules import (deadlines) can use it too.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:  # pandas is loaded by DuckDB when a frame is asked for
    import pandas as pd

SQL_DIR = Path(__file__).parent


@cache
def read_sql(sql_file: str) -> str:
    """The text of `sql/<sql_file>`."""
    return (SQL_DIR / sql_file).read_text(encoding="utf-8")


def execute(
    cursor: duckdb.DuckDBPyConnection, sql_file: str, **params: Any
) -> duckdb.DuckDBPyConnection:
    """Run one SQL file with named parameters ($as_of, ...); the cursor holds the result."""
    sql = read_sql(sql_file)
    # DuckDB refuses values for parameters a statement does not use.
    used = {name: v for name, v in params.items() if f"${name}" in sql}
    return cursor.execute(sql, used)


def query(cursor: duckdb.DuckDBPyConnection, sql_file: str, **params: Any) -> list[dict[str, Any]]:
    """Run one SQL file with named parameters; rows as dicts."""
    result = execute(cursor, sql_file, **params)
    names = [d[0] for d in result.description or []]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def frame(cursor: duckdb.DuckDBPyConnection, sql_file: str, **params: Any) -> pd.DataFrame:
    """Run one SQL file with named parameters; the result as a pandas DataFrame."""
    return execute(cursor, sql_file, **params).df()


def define(cursor: duckdb.DuckDBPyConnection, sql_file: str) -> None:
    """Run a file of definitions (temporary macros) on `cursor`. Temporary objects
    belong to one cursor, so each cursor defines its own."""
    cursor.execute(read_sql(sql_file))
