"""Every due date of the workbench, defined once on a DuckDB cursor.

`prepare(cursor, policy)` installs the UK clock (`ukclock.py`) for the years the
snapshot's subject requests need, and the definitions of `sql/`:

- table `iw_held`: rows of personal data held per user_id (computed once);
- `iw_retention_deadlines(closed_days, potential_months)`: organisations judged by
  RET-001/RET-002, with their due instants and the rows still held;
- `iw_request_deadlines(tz, months, extended_months, as_of)`: subject requests with
  each step of their due dates, paused ones (clarification not arrived by `as_of`)
  without one;
- `iw_processor_reviews(review_months)`: processors with their next review date.

Rules, the schedule and the dashboards' frames query these macros, so a due date
is computed in exactly one place. `params(policy)` gives the matching arguments.
"""

from __future__ import annotations

from typing import Any

import duckdb

from insight_workbench.deadlines.uk_calendar import install_clock
from insight_workbench.policy import Policy
from insight_workbench.sql import define

DEFINITIONS = (
    "held_by_user.sql",
    "retention_deadlines.sql",
    "request_deadlines.sql",
    "processor_reviews.sql",
)

PERSONAL_TABLES = (
    "users",
    "logins",
    "usage_events",
    "communications",
    "preferences",
    "admin_views",
)

# The years a request's clock can end in: its pause ends when the clarification arrives,
# or (not arrived by as_of) when the request was closed; the calendar covers both.
_YEARS_SQL = """
SELECT DISTINCT year(iw_sar_clock_end(received_at, clock_started_at, extended, $tz, $months,
                                      $extended_months, clarification_requested_at, resumed)) AS y
FROM (SELECT *, clarification_received_at AS resumed FROM subject_requests
      UNION ALL BY NAME
      SELECT *, completed_at AS resumed FROM subject_requests)
"""


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
    Done once per cursor and clock settings: a snapshot's tables never change."""
    calendar = repr(policy.subject_requests)
    try:
        done = cursor.execute("SELECT calendar FROM temp.main.iw_prepared").fetchall()
    except duckdb.CatalogException:
        done = []
    if done == [(calendar,)]:
        return
    install_clock(cursor, policy)
    p = params(policy)
    years = cursor.execute(
        _YEARS_SQL, {k: p[k] for k in ("tz", "months", "extended_months")}
    ).fetchall()
    install_clock(cursor, policy, [int(y) for (y,) in years if y is not None])
    for sql_file in DEFINITIONS:
        define(cursor, sql_file)
    cursor.execute(
        "CREATE OR REPLACE TEMP TABLE iw_prepared AS SELECT $c AS calendar", {"c": calendar}
    )


def held_evidence(row: dict[str, Any]) -> dict[str, int]:
    """Rows held per personal-data table, only the tables holding some."""
    return {t: int(row[t]) for t in PERSONAL_TABLES if row.get(t)}
