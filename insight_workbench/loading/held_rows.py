"""The rows of personal data held per user_id, counted once when the workspace is built.

Table `iw_held` of the workspace: one row per user_id found in a table the schema
marks with a user column, the count of its rows in each such table, and their sum
`rows_held`. The RET rules, the schedule, the retention table and the ledger read
it; a snapshot never changes, so it is never recomputed.
"""

from __future__ import annotations

import duckdb

from insight_workbench.loading.raw_tables import quote_ident
from insight_workbench.loading.schema import PERSONAL_DATA_TABLES
from insight_workbench.sql import Fragments, define


def store_held_rows(con: duckdb.DuckDBPyConnection) -> None:
    """Create `iw_held` from the typed tables of a workspace being built."""
    define(con, "held_by_user.sql", held_fragments())


def held_fragments() -> Fragments:
    """The identifier lists of `held_by_user.sql`, from the schema's user columns."""
    tables = list(PERSONAL_DATA_TABLES.items())
    per_table = [
        f"h{n} AS (SELECT {quote_ident(column)} AS user_id, count(*) AS n "
        f"FROM {quote_ident(table)} WHERE {quote_ident(column)} IS NOT NULL GROUP BY ALL)"
        for n, (table, column) in enumerate(tables)
    ]
    counts = [f"coalesce(h{n}.n, 0)" for n in range(len(tables))]
    return {
        "per_table": ",\n".join(per_table),
        "ids": "\n    UNION ".join(f"SELECT user_id FROM h{n}" for n in range(len(tables))),
        "counts": ",\n    ".join(
            f"{count} AS {quote_ident(table)}"
            for count, (table, _) in zip(counts, tables, strict=True)
        ),
        "total": " + ".join(counts),
        "joins": "\n".join(f"LEFT JOIN h{n} USING (user_id)" for n in range(len(tables))),
    }
