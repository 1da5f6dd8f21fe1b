"""What falls due after `as_of`: not findings, a to-do list (docs/rule-semantics.md, "The
schedule").

Retention items are organisations whose due instant is after `as_of`; request and
review items are due on or after the London date of `as_of`. Overdue items are
findings (RET-001/002, SAR-001, TPP-002), never schedule items.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from insight_workbench.deadlines.due_dates import params, prepare
from insight_workbench.findings import ScheduleItem, plural
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.policy import Policy
from insight_workbench.sql import query
from insight_workbench.subject_requests.request_table import clock_note
from insight_workbench.timeutil import days_from, format_utc, iso_day, to_utc

KIND_ORDER = ("retention", "subject_request", "processor_review")


# (London day, the due instant or date to order by, the item): a due's text would put a
# whole second after its fractions ("…00Z" > "…00.25Z").
Dated = tuple[date, datetime | date, ScheduleItem]


def _retention(row: dict[str, Any]) -> Dated:
    reference = "closure" if row["rule"] == "RET-001" else "last contact"
    held = plural(row["rows_held"], "row") + " of user data held"
    message = (
        f"{row['status'].capitalize()} organisation {row['name']}: delete user data by "
        f"{format_utc(row['due_at'])} ({reference} {iso_day(row['reference_at'])}; {held})"
    )
    item = ScheduleItem("retention", f"org:{row['org_id']}", format_utc(row["due_at"]), message)
    return row["due_day"], row["due_at"], item


def _request(row: dict[str, Any]) -> Dated:
    message = (
        f"{row['type'].capitalize()} request received {iso_day(row['received_date'])}"
        f"{clock_note(row)}: answer by {iso_day(row['due_date'])}"
    )
    key = f"request:{row['request_id']}"
    item = ScheduleItem("subject_request", key, row["due_date"].isoformat(), message)
    return row["due_day"], row["due_date"], item


def _review(row: dict[str, Any]) -> Dated:
    message = (
        f"Review processor {row['name']} ({row['service']}): last evaluated "
        f"{iso_day(row['last_evaluated'])}"
    )
    key = f"processor:{row['processor_id']}"
    item = ScheduleItem("processor_review", key, row["next_review"].isoformat(), message)
    return row["due_day"], row["next_review"], item


@dataclass(frozen=True)
class Schedule:
    """Every item falling due after `as_of`, soonest first: built once, then cut to any
    horizon (the app's Overview counts three horizons and lists one)."""

    as_of: datetime
    timezone: str  # the subject-request clock's: a date is due in its calendar
    dated: tuple[Dated, ...]

    def within(self, days: int | None = None) -> list[ScheduleItem]:
        """The items due no later than `as_of` + `days` (every item when None): an
        organisation by its due instant, a request or review by the calendar date of
        that moment."""
        if days is None:
            return [item for _, _, item in self.dated]
        until = days_from(self.as_of, days)
        last_day = _calendar_date(until, self.timezone)
        return [
            item
            for _, due, item in self.dated
            if (due <= until if isinstance(due, datetime) else due <= last_day)
        ]


def _calendar_date(moment: datetime, timezone: str) -> date:
    try:
        return moment.astimezone(ZoneInfo(timezone)).date()
    except OverflowError:  # a horizon held at the end of year 9999
        return date.max


def full_schedule(
    snapshot: Snapshot, policy: Policy, as_of: datetime, *, due_now: bool = False
) -> Schedule:
    """Items falling due after `as_of`, soonest first: by London date, then retention,
    requests, reviews, then key. With `due_now`, organisations due at `as_of` itself too
    (not yet overdue: the app's Overview lists them; the `schedule` command's contract
    does not)."""
    moment = to_utc(as_of)
    values = {**params(policy), "as_of": moment, "due_now": due_now}
    cursor = snapshot.cursor()
    try:
        prepare(cursor, policy)
        dated = [_retention(r) for r in query(cursor, "schedule_retention.sql", **values)]
        dated += [_request(r) for r in query(cursor, "schedule_requests.sql", **values)]
        dated += [_review(r) for r in query(cursor, "schedule_reviews.sql", **values)]
    finally:
        cursor.close()
    dated.sort(key=lambda d: (d[0], KIND_ORDER.index(d[2].kind), d[1], d[2].key))
    return Schedule(moment, policy.subject_requests.timezone, tuple(dated))


def build_schedule(
    snapshot: Snapshot,
    policy: Policy,
    as_of: datetime,
    within_days: int | None = None,
    *,
    due_now: bool = False,
) -> list[ScheduleItem]:
    """`full_schedule`, no later than `as_of` + `within_days` when given."""
    return full_schedule(snapshot, policy, as_of, due_now=due_now).within(within_days)
