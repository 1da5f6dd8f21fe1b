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
    source = logins(product).replace("l.ts > $start", "l.ts >= date_trunc($grain, $start)")
    sql = f"""
        WITH counted AS (
            SELECT CAST(date_trunc($grain, day) AS DATE) AS period_start,
                   count(DISTINCT user_number) AS active_users
            FROM ({source}) GROUP BY ALL),
        periods AS (
            SELECT CAST(t AS DATE) AS period_start FROM generate_series(
                date_trunc($grain, $start), date_trunc($grain, $as_of),
                CAST('1 ' || $grain AS INTERVAL)) g(t))
        SELECT p.period_start, coalesce(c.active_users, 0) AS active_users
        FROM periods p LEFT JOIN counted c USING (period_start) ORDER BY p.period_start"""
    return show(data, run(data, sql, grain=grain, **p), ["active_users"])


def stickiness(
    data: AnalystData, as_of: datetime | None = None, *, days: int = 90, product: str | None = None
) -> pd.DataFrame:
    """Per day: dau, mau (distinct users in the 30 days ending that day), stickiness = dau/mau."""
    p = window(data, as_of, days + 30, product)
    sql = f"""
        WITH ud AS (
            SELECT DISTINCT user_number, day FROM ({logins(product)})
            WHERE user_number IS NOT NULL),
        -- each active day keeps its user in the MAU until 29 days later or the next active day
        spans AS (
            SELECT day AS first_day, least(day + 29, coalesce(
                lead(day) OVER (PARTITION BY user_number ORDER BY day) - 1, day + 29))
                AS last_day
            FROM ud),
        deltas AS (
            SELECT day, sum(change) AS change FROM (
                SELECT first_day AS day, 1 AS change FROM spans
                UNION ALL SELECT last_day + 1, -1 FROM spans) GROUP BY day),
        days AS (
            SELECT CAST(t AS DATE) AS day FROM generate_series(
                CAST($start AS DATE), CAST($as_of AS DATE), INTERVAL 1 DAY) g(t)),
        counted AS (
            SELECT d.day, coalesce(x.dau, 0) AS dau,
                   sum(coalesce(c.change, 0)) OVER (ORDER BY d.day) AS mau
            FROM days d
            LEFT JOIN deltas c ON c.day = d.day
            LEFT JOIN (SELECT day, count(*) AS dau FROM ud GROUP BY day) x ON x.day = d.day)
        SELECT day, dau, CAST(mau AS BIGINT) AS mau,
               CASE WHEN mau > 0 THEN round(dau / mau, 3) END AS stickiness
        FROM counted WHERE day > CAST($start AS DATE) + 30 ORDER BY day"""
    return show(data, run(data, sql, **p), ["dau", "mau"], linked_columns=["stickiness"])


LOGIN_BUCKETS = (
    ("1", 1, 1),
    ("2-5", 2, 5),
    ("6-10", 6, 10),
    ("11-20", 11, 20),
    ("21-50", 21, 50),
    ("51+", 51, 2**62),
)


def logins_per_user(
    data: AnalystData, as_of: datetime | None = None, *, days: int = 30, product: str | None = None
) -> pd.DataFrame:
    """How many users logged in how often: logins (bucket), users; a last Total row."""
    p = window(data, as_of, days, product)
    buckets = " UNION ALL ".join(
        f"SELECT {i} AS position, '{label}' AS logins, {lo} AS lo, {hi} AS hi"
        for i, (label, lo, hi) in enumerate(LOGIN_BUCKETS)
    )
    sql = f"""
        WITH per_user AS (
            SELECT user_number, count(*) AS n FROM ({logins(product)})
            WHERE user_number IS NOT NULL GROUP BY user_number),
        buckets AS ({buckets})
        SELECT b.logins, count(u.n) AS users FROM buckets b
        LEFT JOIN per_user u ON u.n BETWEEN b.lo AND b.hi
        GROUP BY b.position, b.logins ORDER BY b.position"""
    frame = with_totals(run(data, sql, **p), "logins", ["users"])
    return show(data, frame, ["users"], total_row=True)


def hour_of_week(
    data: AnalystData, as_of: datetime | None = None, *, days: int = 90, product: str | None = None
) -> pd.DataFrame:
    """When people log in, London time: weekday (1 = Monday), hour (0-23), users, logins."""
    p = window(data, as_of, days, product)
    sql = f"""
        WITH counted AS (
            SELECT london_weekday AS weekday, london_hour AS hour,
                   count(DISTINCT user_number) AS users, count(*) AS logins
            FROM ({logins(product)}) GROUP BY ALL),
        grid AS (SELECT * FROM range(1, 8) a(weekday), range(0, 24) b(hour))
        SELECT CAST(g.weekday AS INTEGER) AS weekday, CAST(g.hour AS INTEGER) AS hour,
               coalesce(c.users, 0) AS users, coalesce(c.logins, 0) AS logins
        FROM grid g LEFT JOIN counted c ON c.weekday = g.weekday AND c.hour = g.hour
        ORDER BY g.weekday, g.hour"""
    frame = run(data, sql, **p)
    return show(data, frame, ["users"], linked_columns=["logins"])


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
    # A login's cohort is its user's first successful login month (stored with it): for
    # anyone active by `as_of`, that is also their first month up to `as_of`.
    first = "date_trunc('month', $as_of) - to_months($months - 1)"
    source = logins(product).replace("l.ts > $start", f"l.ts >= {first}")
    sql = f"""
        WITH l AS (SELECT user_number, first_login_month AS cohort,
                          CAST(date_trunc('month', day) AS DATE) AS month
                   FROM ({source})
                   WHERE user_number IS NOT NULL AND first_login_month >= CAST({first} AS DATE)),
        last AS (SELECT CAST(date_trunc('month', $as_of) AS DATE) AS month),
        grid AS (
            SELECT CAST(t AS DATE) AS cohort, CAST(k AS INTEGER) AS months_since
            FROM generate_series(date_trunc('month', $as_of) - to_months($months - 1),
                                 date_trunc('month', $as_of), INTERVAL 1 MONTH) g(t),
                 range(0, $months) r(k), last
            WHERE CAST(t AS DATE) + to_months(CAST(k AS INTEGER)) <= last.month),
        counted AS (
            SELECT cohort, date_diff('month', cohort, month) AS months_since,
                   count(DISTINCT user_number) AS users
            FROM l GROUP BY ALL)
        SELECT g.cohort, g.months_since, coalesce(s.users, 0) AS cohort_size,
               coalesce(n.users, 0) AS users
        FROM grid g
        LEFT JOIN counted n USING (cohort, months_since)
        LEFT JOIN counted s ON s.cohort = g.cohort AND s.months_since = 0
        ORDER BY g.cohort, g.months_since"""
    frame = run(data, sql, months=max(months, 1), **p)
    frame["retention"] = ratio(frame["users"], frame["cohort_size"], 3)
    return show(data, frame, ["cohort_size", "users"], linked_columns=["retention"])
