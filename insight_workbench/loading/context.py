"""What a computation over a loaded snapshot sees: one cursor, the policy, `as_of`.

The rules receive it, and so do the domain modules that compute the tables the
rules judge (access monitoring, de-identification), which is why it lives here,
below both.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.policy import Policy
from insight_workbench.sql import query
from insight_workbench.timeutil import to_utc


@dataclass(frozen=True)
class SnapshotContext:
    """One cursor of the snapshot, the policy and `as_of` (UTC)."""

    snapshot: Snapshot
    cursor: duckdb.DuckDBPyConnection
    policy: Policy
    as_of: datetime  # UTC

    def query(self, sql_file: str, **params: Any) -> list[dict[str, Any]]:
        """Run `sql/<sql_file>` with named parameters ($as_of, ...); rows as dicts."""
        return query(self.cursor, sql_file, as_of=self.as_of, **params)


@contextmanager
def snapshot_context(
    snapshot: Snapshot, policy: Policy, as_of: datetime | None = None
) -> Iterator[SnapshotContext]:
    """A context on a fresh cursor (closed afterwards); `as_of` defaults to the export time."""
    cursor = snapshot.cursor()
    try:
        yield SnapshotContext(
            snapshot, cursor, policy, to_utc(as_of or snapshot.manifest.exported_at)
        )
    finally:
        cursor.close()
