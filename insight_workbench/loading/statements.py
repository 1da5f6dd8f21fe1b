"""Running the loader's statements with little fixed cost per statement.

Building a workspace runs a few dozen statements per table; on a small snapshot
their fixed cost (a commit each, a call per inserted row) is most of the time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import duckdb

from insight_workbench.loading.raw_tables import quote_ident

INSERT_BATCH = 1000  # rows per INSERT of rows from Python


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One commit for the statements inside. Nothing inside may fail on purpose (a
    failed statement aborts the whole transaction)."""
    con.execute("BEGIN")
    try:
        yield
    except BaseException:
        with suppress(duckdb.Error):  # a failed rollback must not hide the first error
            con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def row_count(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> int:
    """The count a statement answers: rows created, inserted or deleted, or a
    `SELECT count(...)`."""
    found = con.execute(sql, params).fetchone()
    return int(found[0]) if found else 0


def insert_rows(
    con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Sequence[object]]
) -> None:
    """Insert `rows` into `table`, many rows per statement (DuckDB's `executemany` runs
    one statement per row)."""
    for start in range(0, len(rows), INSERT_BATCH):
        batch = rows[start : start + INSERT_BATCH]
        slots = "(" + ", ".join("?" * len(batch[0])) + ")"
        con.execute(
            f"INSERT INTO {quote_ident(table)} VALUES {', '.join([slots] * len(batch))}",
            [value for row in batch for value in row],
        )
