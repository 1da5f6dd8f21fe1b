"""The failed logins, stored apart once when the workspace is built.

Table `iw_failed_logins` of the workspace: `ts`, `user_id` and `ip` of every typed
`logins` row whose `success` is false (quarantined rows are gone by then). Failures
are a few in a hundred logins but fall in every block of `logins`, so a query of
them there reads and caches every block of those columns; ACC-003, ACC-004 and the
failed logins per day or hour read this small table instead.
"""

from __future__ import annotations

import duckdb

from insight_workbench.sql import define


def store_failed_logins(con: duckdb.DuckDBPyConnection) -> None:
    """Create `iw_failed_logins` from the typed `logins` of a workspace being built."""
    define(con, "failed_logins.sql")
