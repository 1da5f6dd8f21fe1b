"""The UK subject-request clock: London dates, calendar months, working days, due dates."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import duckdb
import pytest

from insight_workbench.deadlines import uk_calendar as ukclock
from insight_workbench.policy import load_policy

POLICY = load_policy()


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        ("2026-01-15T23:30:00", date(2026, 1, 15)),  # GMT: London date = UTC date
        ("2026-07-01T23:30:00", date(2026, 7, 2)),  # BST: 23:30 UTC is 00:30 next day
        ("2026-07-01T22:59:59", date(2026, 7, 1)),
        ("2026-03-28T23:30:00", date(2026, 3, 28)),  # night before the clocks go forward
        ("2026-10-24T23:30:00", date(2026, 10, 25)),  # night before they go back
        ("2026-10-25T23:30:00", date(2026, 10, 25)),  # GMT again
    ],
)
def test_london_date(instant, expected):
    assert ukclock.london_date(utc(instant), POLICY) == expected


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2026, 1, 15), 12, date(2027, 1, 15)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2026, 2, 28), 1, date(2026, 3, 28)),  # no month-end snapping forward
    ],
)
def test_add_months_clamps_to_month_end(day, months, expected):
    assert ukclock.add_months(day, months, POLICY) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 4), date(2026, 3, 4)),  # a Wednesday stays
        (date(2026, 2, 28), date(2026, 3, 2)),  # Saturday
        (date(2026, 3, 1), date(2026, 3, 2)),  # Sunday
        (date(2026, 4, 3), date(2026, 4, 7)),  # Good Friday, weekend, Easter Monday
        (date(2026, 5, 25), date(2026, 5, 26)),  # Spring Bank Holiday
        (date(2026, 8, 31), date(2026, 9, 1)),  # Late Summer Bank Holiday
        (date(2026, 12, 25), date(2026, 12, 29)),  # Christmas, Boxing Day (observed Monday)
        (date(2026, 12, 31), date(2026, 12, 31)),  # year end, a Thursday
        (date(2027, 1, 1), date(2027, 1, 4)),  # New Year's Day on a Friday
        (date(2023, 5, 8), date(2023, 5, 9)),  # the Coronation: a one-off bank holiday
        (date(2022, 9, 19), date(2022, 9, 20)),  # the State Funeral
    ],
)
def test_next_working_day_england_and_wales(day, expected):
    assert ukclock.next_working_day(day, POLICY) == expected


def test_the_policy_chooses_the_holiday_calendar():
    scotland = replace(
        POLICY, subject_requests=replace(POLICY.subject_requests, holidays="scotland")
    )
    assert ukclock.next_working_day(date(2026, 1, 2), POLICY) == date(2026, 1, 2)
    assert ukclock.next_working_day(date(2026, 1, 2), scotland) == date(2026, 1, 5)


@pytest.mark.parametrize(
    ("received", "options", "expected"),
    [
        ("2026-01-31T12:00:00", {}, date(2026, 3, 2)),  # the example of docs/rule-semantics.md
        ("2026-01-31T12:00:00", {"extended": True}, date(2026, 4, 30)),
        ("2026-06-09T23:30:00", {}, date(2026, 7, 10)),  # London date 10 Jun
        (
            "2026-01-05T09:00:00",
            {"clock_started_at": utc("2026-02-10T09:00:00")},
            date(2026, 3, 10),
        ),
        ("2026-11-25T10:00:00", {}, date(2026, 12, 29)),
        ("2026-10-30T10:00:00", {"extended": True}, date(2027, 2, 1)),  # 30 Jan 2027: Sat
        (  # the spec's example: paused 10-17 Sep, 3 Oct + 7 days
            "2025-09-03T09:00:00",
            {
                "clarification_requested_at": utc("2025-09-10T09:00:00"),
                "clarification_received_at": utc("2025-09-17T15:00:00"),
            },
            date(2025, 10, 10),
        ),
        (  # paused across the year end: 1 Dec 2026 + 45 days = Fri 15 Jan 2027
            "2026-11-01T09:00:00",
            {
                "extended": False,
                "clarification_requested_at": utc("2026-11-20T09:00:00"),
                "clarification_received_at": utc("2027-01-04T09:00:00"),
            },
            date(2027, 1, 15),
        ),
        ("2026-01-05T09:00:00", {"clarification_requested_at": utc("2026-01-10T09:00:00")}, None),
    ],
)
def test_sar_due_date(received, options, expected):
    assert ukclock.sar_due_date(utc(received), POLICY, **options) == expected


def test_calendar_table_says_why_a_date_moves():
    with duckdb.connect() as con:
        ukclock.install_clock(con, POLICY, [2026])
        rows = con.execute(
            "SELECT day, working, next_working, moved_because FROM iw_calendar "
            "WHERE day BETWEEN '2026-12-24' AND '2026-12-29' ORDER BY day"
        ).fetchall()
    assert rows[0] == (date(2026, 12, 24), True, date(2026, 12, 24), None)
    assert rows[1] == (
        date(2026, 12, 25),
        False,
        date(2026, 12, 29),
        "Christmas Day, Boxing Day, Sunday, Boxing Day (observed)",
    )
    assert rows[3] == (
        date(2026, 12, 27),
        False,
        date(2026, 12, 29),
        "Sunday, Boxing Day (observed)",
    )
    assert rows[5] == (date(2026, 12, 29), True, date(2026, 12, 29), None)


def test_calendar_covers_the_year_after_each_year_asked_for():
    with duckdb.connect() as con:
        ukclock.install_clock(con, POLICY, [2026])
        first, last = con.execute("SELECT min(day), max(day) FROM iw_calendar").fetchone()
    assert (first, last) == (date(2026, 1, 1), date(2027, 12, 31))


def test_bank_holidays_come_from_the_holidays_package():
    found = ukclock.bank_holidays(POLICY, [2026])
    assert found[date(2026, 5, 25)] == "Spring Bank Holiday"
    assert len(found) == 9
