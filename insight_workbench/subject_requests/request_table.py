"""Subject-request deadlines as a table, for the DPO's dashboard and the notebooks.

The due dates come from the same computation as SAR-001/SAR-002 and the schedule
(`deadlines.py`, `sql/request_deadlines.sql`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from insight_workbench.deadlines.due_dates import params, prepare
from insight_workbench.findings import plural
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.policy import Policy
from insight_workbench.sql import frame
from insight_workbench.timeutil import iso_day, to_utc

if TYPE_CHECKING:  # the rules use clock_note only: `check` does not load pandas
    import pandas as pd


def clock_note(row: dict[str, Any]) -> str:
    """How the clock ran, when it was not the plain period from receipt."""
    notes = []
    if row["clock_started_at"] is not None:
        notes.append(f"clock started {iso_day(row['clock_start_date'])}")
    if row["extended"]:
        notes.append("extended")
    if row["paused_days"]:
        notes.append(f"clock stopped {plural(row['paused_days'], 'day')} for clarification")
    return f" ({', '.join(notes)})" if notes else ""


def clarification_evidence(row: dict[str, Any]) -> dict[str, Any]:
    """The clarification's dates and the days the clock stood still, when one was asked."""
    if row["clarification_requested_date"] is None:
        return {}
    resumed = row["clock_resumed_date"]
    return {
        "clarification_requested_date": row["clarification_requested_date"].isoformat(),
        "clock_resumed_date": resumed.isoformat() if resumed else None,
        "paused_days": int(row["paused_days"]),
    }


def request_deadlines(snapshot: Snapshot, policy: Policy, as_of: datetime) -> pd.DataFrame:
    """Every subject request, soonest due first, with the steps of its due date:
    received and clock-start London dates, months, the nominal date N months on (it
    may not exist, e.g. 2026-02-31), `period_end` (clamped to the month's last day),
    `clamped`, the clarification's London dates and `paused_days` (the clock stood
    still), `clock_end` (period end + paused days), `moved_because` (the weekend days
    and bank holidays skipped), `due_date`; then `days_left` (open, not yet due),
    `days_late` (open and overdue, or answered late) and `finding` (SAR-001, SAR-002
    or None). `paused`: open and waiting for a clarification that had not arrived by
    `as_of`; such a request has no due date and is never a finding."""
    moment = to_utc(as_of)
    cursor = snapshot.cursor()
    try:
        prepare(cursor, policy)
        return frame(cursor, "request_status.sql", **params(policy), as_of=moment)
    finally:
        cursor.close()
