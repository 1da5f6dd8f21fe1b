"""lifecycle.json: the expected story of a series, written from the planted facts.

For each planted key, the months `check` reports it in (from the story, not from the
rules) give its first and last sighting, the run that resolved it and its state after
the last run; each deletion's last month holding the users' rows and first month
holding none give its verdict against the due instant.
"""

from __future__ import annotations

from collections import Counter
from typing import TypedDict

from insight_workbench.loading.schema import PERSONAL_DATA_TABLES
from insight_workbench.sample.series_stories import Decision, Deletion, Expected, Plan
from insight_workbench.sample.series_world import Activity, Months
from insight_workbench.sample.timekeeping import DAY, iso, utc_date


class DecisionRecord(TypedDict):
    at: str  # ISO UTC instant, between two runs
    by: str
    action: str  # "except"
    rule: str
    key: str
    basis: str
    approver: str
    until: str  # YYYY-MM-DD


class FindingRecord(TypedDict):
    rule: str
    key: str
    state: str  # new, open, resolved, reopened or excepted, after the last run
    first_seen: str  # exported_at of the first month reporting the key
    last_seen: str
    resolved_in: str | None  # the month after last_seen, when the last month lacks the key
    runs_seen: int
    seen_in: list[str]  # the month folders whose `check` reports the key


class DeletionRecord(TypedDict):
    key: str
    rule: str
    due: str  # ISO UTC instant
    last_held_exported_at: str
    first_clear_exported_at: str
    verdict: str  # on_time or late
    late_by_days_at_most: int | None
    last_held_rows: dict[str, int]  # per table holding any, as RET evidence


class Lifecycle(TypedDict):
    seed: int
    format: str
    months: list[str]  # folder names, oldest first
    exported_at: list[str]
    decisions: list[DecisionRecord]
    findings: list[FindingRecord]
    deletions: list[DeletionRecord]


def lifecycle(months: Months, plan: Plan, rows: list[Activity], seed: int, fmt: str) -> Lifecycle:
    return {
        "seed": seed,
        "format": fmt,
        "months": [months.folder(i) for i in range(len(months))],
        "exported_at": [iso(e) for e in months.exports],
        "decisions": [_decision(d) for d in sorted(plan.decisions, key=lambda d: d.at)],
        "findings": [
            _finding(months, e, plan.decisions)
            for e in sorted(plan.findings, key=lambda e: (e.rule, e.key))
        ],
        "deletions": [
            _deletion(months, d, rows) for d in sorted(plan.deletions, key=lambda d: d.key)
        ],
    }


def _decision(d: Decision) -> DecisionRecord:
    return {
        "at": iso(d.at),
        "by": d.by,
        "action": d.action,
        "rule": d.rule,
        "key": d.key,
        "basis": d.basis,
        "approver": d.approver,
        "until": d.until.isoformat(),
    }


def state_after_last_run(seen: tuple[int, ...], last: int, excepted: bool) -> str:
    """resolved (absent from the last run), excepted (an unexpired exception), new (only
    in the last run), reopened (absent from a run between two sightings), else open."""
    if seen[-1] != last:
        return "resolved"
    if excepted:
        return "excepted"
    if len(seen) == 1:
        return "new"
    if len(seen) != seen[-1] - seen[0] + 1:
        return "reopened"
    return "open"


def _finding(months: Months, expected: Expected, decisions: list[Decision]) -> FindingRecord:
    seen = tuple(sorted(expected.seen))
    last = len(months) - 1
    last_export = months.exports[last]
    excepted = any(
        d.action == "except"
        and (d.rule, d.key) == (expected.rule, expected.key)
        and d.at <= last_export
        and d.until >= utc_date(last_export)
        for d in decisions
    )
    resolved = seen[-1] < last
    return {
        "rule": expected.rule,
        "key": expected.key,
        "state": state_after_last_run(seen, last, excepted),
        "first_seen": iso(months.exports[seen[0]]),
        "last_seen": iso(months.exports[seen[-1]]),
        "resolved_in": iso(months.exports[seen[-1] + 1]) if resolved else None,
        "runs_seen": len(seen),
        "seen_in": [months.folder(i) for i in seen],
    }


def _deletion(months: Months, deletion: Deletion, rows: list[Activity]) -> DeletionRecord:
    purged = [u.purged_at for u in deletion.users]
    if None in purged:
        raise ValueError(f"{deletion.key}: every user of a deletion must be purged")
    last_held, first_clear = months.held_until(max(p for p in purged if p is not None))
    if first_clear is None:
        raise ValueError(f"{deletion.key}: purged after the last month")
    clear_at = months.exports[first_clear]
    late = clear_at > deletion.due
    return {
        "key": deletion.key,
        "rule": deletion.rule,
        "due": iso(deletion.due),
        "last_held_exported_at": iso(months.exports[last_held]),
        "first_clear_exported_at": iso(clear_at),
        "verdict": "late" if late else "on_time",
        "late_by_days_at_most": -(-(clear_at - deletion.due) // DAY) if late else None,
        "last_held_rows": _rows_held(months.exports[last_held], deletion, rows),
    }


def _rows_held(export: int, deletion: Deletion, rows: list[Activity]) -> dict[str, int]:
    """Rows of the deletion's users in the snapshot exported at `export`, per table
    holding any, in schema order (as RET findings give them in their evidence)."""
    users = {id(u) for u in deletion.users if u.held(export)}
    counts = Counter(table for t, table, user, _ in rows if t < export and id(user) in users)
    counts["users"] = len(users)
    return {table: counts[table] for table in PERSONAL_DATA_TABLES if counts[table]}
