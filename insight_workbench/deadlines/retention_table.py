"""Retention status of closed and potential-customer organisations, as a table.

The due instants come from the same computation as RET-001/RET-002 and the
schedule (`deadlines.py`, `sql/retention_deadlines.sql`).
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from insight_workbench.deadlines.due_dates import params, prepare
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.policy import Policy
from insight_workbench.sql import frame
from insight_workbench.timeutil import to_utc


def retention_status(snapshot: Snapshot, policy: Policy, as_of: datetime) -> pd.DataFrame:
    """One row per organisation and retention rule (RET-001 for a `closed_at`, RET-002 for
    demo/trial), soonest due first: `reference` (closed_at or last_contact_at) and
    `reference_at`, `due_at` (UTC), `state` (overdue: a finding; due now: exactly at the
    due instant, not yet a finding nor a schedule item; upcoming; nothing held),
    `days_overdue` or `days_left` (in days, to one decimal rounded down), and the rows
    still held per personal-data table (`users` ... `admin_views`, `rows_held`)."""
    moment = to_utc(as_of)
    cursor = snapshot.cursor()
    try:
        prepare(cursor, policy)
        return frame(cursor, "retention_status.sql", **params(policy), as_of=moment)
    finally:
        cursor.close()
