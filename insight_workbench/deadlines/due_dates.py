"""Every due date of the workbench, defined once on a DuckDB cursor.

`prepare(cursor, policy)` installs the UK clock (`ukclock.py`) for the years the
snapshot's subject requests need, and the definitions of `sql/`:

- `iw_retention_deadlines(closed_days, potential_months)`: organisations judged by
  RET-001/RET-002, with their due instants and the rows still held;
- `iw_request_deadlines(tz, months, extended_months, as_of)`: subject requests with
  each step of their due dates, paused ones (clarification not arrived by `as_of`)
  without one;
- `iw_processor_reviews(review_months)`: processors with their next review date.

Rules, the schedule and the dashboards' frames query these macros, so a due date
is computed in exactly one place. `params(policy)` gives the matching arguments.
The rows held per user (`iw_held`, read by the retention macros) are a table of the
workspace, counted when it is built (`loading/held_rows.py`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import duckdb

from insight_workbench.deadlines.uk_calendar import install_calendar, install_clock
from insight_workbench.errors import InputError
from insight_workbench.loading.schema import PERSONAL_DATA_TABLES
from insight_workbench.policy import Policy
from insight_workbench.sql import define, execute, query

DEFINITIONS = (
    "retention_deadlines.sql",
    "request_deadlines.sql",
    "processor_reviews.sql",
)


def params(policy: Policy) -> dict[str, Any]:
    """The policy numbers the deadline macros take, by the names the SQL files use."""
    requests = policy.subject_requests
    return {
        "closed_days": policy.retention.closed_account_days,
        "potential_months": policy.retention.potential_customer_months,
        "tz": requests.timezone,
        "months": requests.response_months,
        "extended_months": requests.extended_months,
        "review_months": policy.third_parties.review_months,
        "grace_hours": policy.communications.opt_out_grace_hours,
    }


def prepare(cursor: duckdb.DuckDBPyConnection, policy: Policy) -> None:
    """Define the clock and the deadline macros on `cursor` (temporary: one cursor only).
    Done once per cursor and policy periods: a snapshot's tables never change."""
    settings = params(policy)
    calendar = repr((policy.subject_requests, [settings[name] for name in _BOUNDED]))
    try:
        done = query(cursor, "prepared_calendar.sql")
    except duckdb.CatalogException:
        done = []
    if done == [{"calendar": calendar}]:
        return
    _check_bounds(cursor, settings)
    install_clock(cursor, policy)  # the macros, which the years of the calendar need
    found = query(cursor, "request_years.sql", **params(policy))
    years = [int(row["y"]) for row in found if row["y"] is not None]
    if years and max(years) > LAST_DUE_YEAR:
        _refuse(REQUEST_PERIODS, "a subject request")
    install_calendar(cursor, policy, years)
    for sql_file in DEFINITIONS:
        define(cursor, sql_file)
    execute(cursor, "mark_prepared.sql", calendar=calendar)


LAST_DUE_YEAR = 9999  # the last year a due date can be written in
LAST_INSTANT = datetime(LAST_DUE_YEAR, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
REQUEST_PERIODS = "[subject_requests].response_months or [subject_requests].extended_months"
_BOUNDED = {  # the flags of deadline_bounds.sql: the setting, and what falls due
    "closed_days": ("[retention].closed_account_days", "a closed organisation"),
    "potential_months": ("[retention].potential_customer_months", "a potential customer"),
    "review_months": ("[third_parties].review_months", "a processor's review"),
}


def _check_bounds(cursor: duckdb.DuckDBPyConnection, settings: dict[str, Any]) -> None:
    """Refuse a policy (its `params`) whose periods, added to this snapshot's latest
    dates, would fall due after year 9999: such a due date can be neither computed nor
    written."""
    wanted = {name: settings[name] for name in _BOUNDED}
    last_day = LAST_INSTANT.date()
    (flags,) = query(cursor, "deadline_bounds.sql", last=LAST_INSTANT, last_day=last_day, **wanted)
    for name, (setting, what) in _BOUNDED.items():
        if flags[name]:
            _refuse(setting, what)


def _refuse(setting: str, what: str) -> None:
    raise InputError(
        f"policy: {setting} would put the due date of {what} in this snapshot after "
        f"year {LAST_DUE_YEAR}; use a shorter period"
    )


def held_evidence(row: dict[str, Any]) -> dict[str, int]:
    """Rows held per personal-data table, only the tables holding some."""
    return {t: int(row[t]) for t in PERSONAL_DATA_TABLES if row.get(t)}
