"""The UK subject-request clock, computed in DuckDB.

`install_clock` puts on one DuckDB cursor a calendar of working days (weekends
and the bank holidays of the policy's calendar, from the maintained `holidays`
package) and the macros that every deadline query uses, so rules, schedule and
dashboards share one computation:

- `iw_local_date(ts, tz)`: the calendar date of an instant in zone `tz` (London
  date: BST in summer, GMT in winter);
- `iw_add_months(d, n)`: `n` calendar months after date `d`, clamped to the last
  day of a shorter month (31 Jan + 1 month = 28/29 Feb);
- `iw_next_working_day(d)`: `d`, or the next day that is neither a weekend day
  nor a bank holiday;
- `iw_sar_due(received_at, clock_started_at, extended, tz, months, extended_months,
  paused_at, resumed_at)`: the due date of a subject request (docs/rule-semantics.md,
  "The subject-request clock"): the period from the clock start, plus the days the clock was
  stopped for a clarification (`paused_at` to `resumed_at`), moved off weekends and
  bank holidays; NULL while the clock is stopped (`paused_at` set, `resumed_at` not).

The Python functions below evaluate the same macros for one value.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from functools import cache
from typing import Any

import duckdb
import holidays

from insight_workbench.policy import HOLIDAY_CALENDARS, Policy
from insight_workbench.sql import define, execute


def bank_holidays(policy: Policy, years: Iterable[int]) -> dict[date, str]:
    """Bank holidays of the policy's calendar (e.g. England and Wales) in `years`."""
    return dict(_bank_holidays(policy.subject_requests.holidays, tuple(sorted(set(years)))))


@cache  # every cursor a run prepares asks again for the same years
def _bank_holidays(calendar: str, years: tuple[int, ...]) -> tuple[tuple[date, str], ...]:
    country, subdiv, _ = HOLIDAY_CALENDARS[calendar]
    found = holidays.country_holidays(country, subdiv=subdiv, years=list(years))
    return tuple(sorted(found.items()))


def install_clock(
    cursor: duckdb.DuckDBPyConnection, policy: Policy, years: Iterable[int] = ()
) -> None:
    """Define the calendar table (each of `years` and the year after) and the macros."""
    install_calendar(cursor, policy, years)
    define(cursor, "uk_clock_macros.sql")


def install_calendar(
    cursor: duckdb.DuckDBPyConnection, policy: Policy, years: Iterable[int]
) -> None:
    """(Re)define the calendar table alone: the macros read it by name when they run."""
    # Each year comes with the one after it, so the last year a date can have (9999) is
    # the year after 9998.
    wanted = sorted({min(y, 9998) for y in years if 1 <= y <= 9999})
    if not wanted:  # the same empty table, without planning the calendar's query
        define(cursor, "uk_calendar_empty.sql")
        return
    closed = bank_holidays(policy, wanted + [y + 1 for y in wanted])
    execute(
        cursor,
        "uk_calendar.sql",
        years=wanted,
        holiday_days=list(closed),
        holiday_names=list(closed.values()),
    )


def _evaluate(sql: str, params: dict[str, Any], policy: Policy, years: Iterable[int]) -> Any:
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        install_clock(con, policy, years)
        row = con.execute(sql, params).fetchone()
    return row[0] if row else None


def london_date(instant: datetime, policy: Policy) -> date:
    """The calendar date of `instant` in the policy's time zone (Europe/London)."""
    tz = policy.subject_requests.timezone
    result: date = _evaluate(
        "SELECT iw_local_date($ts, $tz)", {"ts": instant, "tz": tz}, policy, ()
    )
    return result


def add_months(day: date, months: int, policy: Policy) -> date:
    """`months` calendar months after `day`; the month's last day where it has no such day."""
    result: date = _evaluate("SELECT iw_add_months($d, $n)", {"d": day, "n": months}, policy, ())
    return result


def next_working_day(day: date, policy: Policy) -> date:
    """`day` itself when it is a working day, else the next one (weekends, bank holidays)."""
    result: date = _evaluate("SELECT iw_next_working_day($d)", {"d": day}, policy, [day.year])
    return result


def sar_due_date(
    received_at: datetime,
    policy: Policy,
    *,
    extended: bool = False,
    clock_started_at: datetime | None = None,
    clarification_requested_at: datetime | None = None,
    clarification_received_at: datetime | None = None,
) -> date | None:
    """Due date of a subject request received (or with its clock started) at these instants,
    its clock stopped from the clarification request to its arrival; None while stopped."""
    rules = policy.subject_requests
    start = clock_started_at or received_at
    span = rules.extended_months if extended else rules.response_months
    # the pause is at most the days from the start to the clarification's arrival
    latest = max(start, clarification_received_at or start)
    years = range(start.year - 1, latest.year + span // 12 + 2)
    result: date | None = _evaluate(
        "SELECT iw_sar_due($received, $started, $extended, $tz, $months, $extended_months, "
        "CAST($paused AS TIMESTAMPTZ), CAST($resumed AS TIMESTAMPTZ))",
        {
            "received": received_at,
            "started": clock_started_at,
            "extended": extended,
            "tz": rules.timezone,
            "months": rules.response_months,
            "extended_months": rules.extended_months,
            "paused": clarification_requested_at,
            "resumed": clarification_received_at,
        },
        policy,
        years,
    )
    return result
