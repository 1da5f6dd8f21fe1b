"""Every user's email address as compared, stored once when the workspace is built.

Table `iw_email_keys` of the workspace: the `user_id` and `email_key` (`emails.email_key`
of `users.email`) of every loaded user whose address keeps something once keyed. A
subject-access pack by email finds the person's accounts here, and DEID-001 compares
a dataset's values with these keys: keying every held address again for each pack
cost it half a second on 200,000 users, Arrow's import included.
"""

from __future__ import annotations

import duckdb

from insight_workbench.sql import define


def store_email_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Create `iw_email_keys` from the typed `users` of a workspace being built; the
    caller has run `emails.define_email_key` (outside any transaction: its first use
    probes by failing)."""
    define(con, "email_keys.sql")
