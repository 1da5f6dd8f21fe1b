"""Headline usage figures, defined exactly as `docs/cli.md` defines them.

One SQL text (`sql/usage_headline.sql`) serves the DPO's snapshot (the `usage`
command) and the analyst's de-identified data (the app and notebooks), so both show
the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypedDict

import duckdb

from insight_workbench.analyst.database import AnalystData
from insight_workbench.analyst.suppression import SECONDARY, primary_marker
from insight_workbench.analyst.usage.common import STATUSES, rounded
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.sql import execute, read_sql
from insight_workbench.timeutil import days_from, to_utc


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


def headline_rows(figures: Mapping[str, Any], days: int = 30) -> list[tuple[str, Any]]:
    """The figures in reading order, each with its label in words (one per organisation
    status); a value is None where it has no divisor. Shared by the command and reports;
    `days` is the window the figures were counted over (`headline_figures`)."""
    return [
        ("Users (not deleted)", figures["users"]),
        *((f"Organisations: {status}", n) for status, n in figures["organisations"].items()),
        (f"Active users, last {days} days", figures["active_users_30d"]),
        (f"Successful logins, last {days} days", figures["logins_30d"]),
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
) -> tuple[Headline, dict[str, int]]:
    """The figures, and the people each ratio is about: the 30-day active users behind
    stickiness, the users of active organisations behind the average."""
    if isinstance(source, Snapshot):
        moment, sources = as_of or source.manifest.exported_at, "usage_sources_snapshot.sql"
    else:
        moment, sources = source.as_of(as_of), "usage_sources_analyst.sql"
    moment = to_utc(moment)
    start = days_from(moment, -days)
    since = min(start, days_from(moment, -MAU_DAYS))
    params = {"as_of": moment, "start": start, "since": since, "product": product}
    cursor: duckdb.DuckDBPyConnection = source.cursor()
    try:
        fragments = {"sources": read_sql(sources)}
        row = execute(cursor, "usage_headline.sql", fragments, **params).fetchone()
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
        "stickiness": rounded(found["dau"], found["mau"], 3),
    }
    about = {
        "stickiness": int(found["mau"]),
        "avg_users_per_active_org": int(found["users_of_active_orgs"] or 0),
    }
    return figures, about


def _average(users: int, organisations: int) -> float | None:
    return rounded(users, organisations, 2)


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
    figures, about = _figures(data, as_of, product, days)
    shown: dict[str, Any] = dict(figures)
    for ratio, counted in about.items():  # a ratio over a few people is about them
        if 0 < counted < data.min_cell:
            shown[ratio] = SECONDARY
    for people, linked in _PEOPLE:  # each count is read before anything replaces it
        if 0 < shown[people] < data.min_cell:
            shown[people] = primary_marker(data.min_cell)
            shown.update(dict.fromkeys(linked, SECONDARY))
    # The users of active organisations are shown too (the Total of users per
    # organisation): all users less them would give back a few of other organisations.
    inside = about["avg_users_per_active_org"]
    outside = figures["users"] - inside
    if isinstance(shown["users"], int) and inside >= data.min_cell > outside > 0:
        shown["users"] = SECONDARY
    return shown
