"""Headline usage figures, defined exactly as `docs/cli.md` defines them.

One SQL text serves the DPO's snapshot (the `usage` command) and the analyst's
de-identified data (the app and notebooks), so both show the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypedDict

import duckdb

from insight_workbench.analyst.database import AnalystData
from insight_workbench.analyst.suppression import SECONDARY, primary_marker
from insight_workbench.analyst.usage.common import STATUSES
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.timeutil import to_utc

# The same three relations from either source: people, their logins, organisations.
_SOURCES = {
    "snapshot": (
        "SELECT user_id AS person, org_id, deleted_at IS NOT NULL AS deleted FROM users",
        "SELECT user_id AS person, ts, success FROM logins",
        "SELECT org_id, status, product FROM organisations",
    ),
    "analyst": (  # a user's number stands for the pseudonym: the same people, counted faster
        "SELECT user_number AS person, org_pseudonym AS org_id, deleted FROM users",
        "SELECT user_number AS person, ts, success FROM logins",
        "SELECT org_pseudonym AS org_id, status, product FROM orgs",
    ),
}


class Headline(TypedDict):
    """The figures of `headline_figures`; averages and ratios are None without a divisor."""

    as_of: datetime
    users: int
    organisations: dict[str, int]
    active_users_30d: int
    logins_30d: int
    avg_users_per_active_org: float | None
    dau: int
    wau: int
    stickiness: float | None


MAU_DAYS = 30  # the longest fixed window of the figures (stickiness's 30-day users)
_HEADLINE = """
    WITH every_user AS ({0}), l AS ({1}), every_org AS ({2}),
    o AS (SELECT * FROM every_org
          WHERE CAST($product AS VARCHAR) IS NULL OR product = $product),
    u AS (SELECT * FROM every_user
          WHERE CAST($product AS VARCHAR) IS NULL OR org_id IN (SELECT org_id FROM o)),
    ok AS (SELECT person, ts FROM l WHERE success AND ts > $since AND ts <= $as_of
           AND (CAST($product AS VARCHAR) IS NULL OR person IN (SELECT person FROM u))),
    -- One pass over the logins of the longest window ($since): each person's last login
    -- says in which windows they were active.
    people AS (SELECT person, max(ts) AS last, count(*) FILTER (WHERE ts > $start) AS n
               FROM ok GROUP BY person),
    counted AS (
      SELECT count(person) FILTER (WHERE last > $start) AS active,
             CAST(coalesce(sum(n), 0) AS BIGINT) AS logins,
             count(person) FILTER (WHERE last > $as_of - INTERVAL 30 DAY) AS mau,
             count(person) FILTER (WHERE last > $as_of - INTERVAL 7 DAY) AS wau,
             count(person) FILTER (WHERE last > $as_of - INTERVAL 1 DAY) AS dau
      FROM people)
    SELECT
      (SELECT count(*) FROM u WHERE NOT deleted) AS users,
      counted.*,
      (SELECT count(*) FROM o WHERE status = 'active') AS active_orgs,
      (SELECT count(*) FROM u JOIN o USING (org_id)
       WHERE o.status = 'active' AND NOT u.deleted) AS users_of_active_orgs,
      (SELECT map(list(status), list(n)) FROM (SELECT status, count(*) AS n FROM o
                                                 GROUP BY status)) AS organisations
    FROM counted
"""


def headline_rows(figures: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The figures in reading order, each with its label in words (one per organisation
    status); a value is None where it has no divisor. Shared by the command and reports."""
    return [
        ("Users (not deleted)", figures["users"]),
        *((f"Organisations: {status}", n) for status, n in figures["organisations"].items()),
        ("Active users, last 30 days", figures["active_users_30d"]),
        ("Successful logins, last 30 days", figures["logins_30d"]),
        ("Average users per active organisation", figures["avg_users_per_active_org"]),
        ("Active users, last day", figures["dau"]),
        ("Active users, last 7 days", figures["wau"]),
        ("Stickiness (day / 30 days)", figures["stickiness"]),
    ]


def headline_figures(
    source: Snapshot | AnalystData,
    as_of: datetime | None = None,
    *,
    product: str | None = None,
    days: int = 30,
) -> Headline:
    """users, organisations (per status, all four), active_users_30d, logins_30d,
    avg_users_per_active_org (null without an active organisation), and dau, wau,
    stickiness (dau / active users in the 30 days). The window is (as_of − 30 days, as_of].

    The app's filters: `product` keeps that product's organisations, their users and
    their logins; `days` sets the window of active_users_30d and logins_30d (the names
    are the command's; stickiness stays daily over 30-day users)."""
    return _figures(source, as_of, product, days)[0]


def _figures(
    source: Snapshot | AnalystData, as_of: datetime | None, product: str | None, days: int
) -> tuple[Headline, int]:
    """The figures, and the 30-day active users behind stickiness."""
    if isinstance(source, Snapshot):
        moment = as_of or source.manifest.exported_at
        sql = _HEADLINE.format(*_SOURCES["snapshot"])
    else:
        moment = source.as_of(as_of)
        sql = _HEADLINE.format(*_SOURCES["analyst"])
    moment = to_utc(moment)
    start = moment - timedelta(days=days)
    since = min(start, moment - timedelta(days=MAU_DAYS))
    params = {"as_of": moment, "start": start, "since": since, "product": product}
    cursor: duckdb.DuckDBPyConnection = source.cursor()
    try:
        row = cursor.execute(sql, params).fetchone()
        names = [d[0] for d in cursor.description or []]
    finally:
        cursor.close()
    found: dict[str, Any] = dict(zip(names, row or (), strict=True))
    per_status = found["organisations"] or {}
    figures: Headline = {
        "as_of": moment,
        "users": int(found["users"]),
        "organisations": {status: int(per_status.get(status, 0)) for status in STATUSES},
        "active_users_30d": int(found["active"]),
        "logins_30d": int(found["logins"]),
        "avg_users_per_active_org": _average(found["users_of_active_orgs"], found["active_orgs"]),
        "dau": int(found["dau"]),
        "wau": int(found["wau"]),
        "stickiness": _round(found["dau"], found["mau"], "0.001"),
    }
    return figures, int(found["mau"])


def _average(users: int, organisations: int) -> float | None:
    return _round(users, organisations, "0.01")


def _round(numerator: int, denominator: int, places: str) -> float | None:
    if not denominator:
        return None
    exact = Decimal(int(numerator)) / Decimal(int(denominator))
    return float(exact.quantize(Decimal(places), rounding=ROUND_HALF_UP))


# Each count of people, and the figures that describe the same people.
_PEOPLE = (
    ("users", ("avg_users_per_active_org",)),
    ("active_users_30d", ("logins_30d",)),
    ("dau", ("stickiness",)),
    ("wau", ()),
)


def analyst_headline(
    data: AnalystData,
    as_of: datetime | None = None,
    *,
    product: str | None = None,
    days: int = 30,
) -> dict[str, Any]:
    """`headline_figures` as an analyst may see them: a count of people below `min_cell`
    is "<10" and the figures about those people are "[c]" (see `suppression.py`)."""
    figures, mau = _figures(data, as_of, product, days)
    shown: dict[str, Any] = dict(figures)
    if 0 < mau < data.min_cell:  # stickiness divides by the 30-day users
        shown["stickiness"] = SECONDARY
    for people, linked in _PEOPLE:  # each count is read before anything replaces it
        if 0 < shown[people] < data.min_cell:
            shown[people] = primary_marker(data.min_cell)
            shown.update(dict.fromkeys(linked, SECONDARY))
    return shown
