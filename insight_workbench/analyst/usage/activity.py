"""Activity over time: active users, stickiness, login frequency, hour of week, cohorts."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from insight_workbench.analyst.database import AnalystData
from insight_workbench.analyst.suppression import with_totals
from insight_workbench.analyst.usage.common import logins, ratio, run, show, window
from insight_workbench.errors import InputError

GRAINS = ("day", "week", "month")


def active_users(
    data: AnalystData,
    as_of: datetime | None = None,
    *,
    days: int = 90,
    grain: str = "day",
    product: str | None = None,
) -> pd.DataFrame:
    """Daily, weekly or monthly active users: period_start, active_users."""
    if grain not in GRAINS:
        raise InputError(f"grain: must be one of {', '.join(GRAINS)}")
    p = window(data, as_of, days, product)
    # whole periods: the first one starts before `start`
    source = logins(product, since="l.ts >= date_trunc($grain, $start)")
    frame = run(data, "usage_active_users.sql", {"logins": source}, grain=grain, **p)
    return show(data, frame, ["active_users"])


def stickiness(
    data: AnalystData, as_of: datetime | None = None, *, days: int = 90, product: str | None = None
) -> pd.DataFrame:
    """Per day: dau, mau (distinct users in the 30 days ending that day), stickiness = dau/mau."""
    p = window(data, as_of, days + 30, product)
    frame = run(data, "usage_stickiness.sql", {"logins": logins(product)}, **p)
    return show(data, frame, ["dau", "mau"], linked_columns=["stickiness"])


def logins_per_user(
    data: AnalystData, as_of: datetime | None = None, *, days: int = 30, product: str | None = None
) -> pd.DataFrame:
    """How many users logged in how often: logins (bucket), users; a last Total row."""
    p = window(data, as_of, days, product)
    found = run(data, "usage_logins_per_user.sql", {"logins": logins(product)}, **p)
    frame = with_totals(found, "logins", ["users"])
    return show(data, frame, ["users"], total_row=True)


def hour_of_week(
    data: AnalystData, as_of: datetime | None = None, *, days: int = 90, product: str | None = None
) -> pd.DataFrame:
    """When people log in, London time: weekday (1 = Monday), hour (0-23), users, logins."""
    p = window(data, as_of, days, product)
    frame = run(data, "usage_hour_of_week.sql", {"logins": logins(product)}, **p)
    # Every login is in some cell: over the headline's period they add up to its logins.
    return show(data, frame, ["users"], linked_columns=["logins"], linked_total=True)


def cohort_retention(
    data: AnalystData,
    as_of: datetime | None = None,
    *,
    months: int = 12,
    product: str | None = None,
) -> pd.DataFrame:
    """Monthly cohorts (a user's first successful login month, within the last `months`):
    cohort, months_since, cohort_size, users (active that month), retention."""
    p = window(data, as_of, 1, product)
    # Only the cohorts shown, and their logins: every month from the first cohort's on.
    first = "l.ts >= date_trunc('month', $as_of) - to_months($months - 1)"
    source = {"logins": logins(product, since=first)}
    frame = run(data, "usage_cohort_retention.sql", source, months=max(months, 1), **p)
    frame["retention"] = ratio(frame["users"], frame["cohort_size"], 3)
    return show(data, frame, ["cohort_size", "users"], linked_columns=["retention"])
