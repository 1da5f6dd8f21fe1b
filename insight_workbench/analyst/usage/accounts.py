"""Organisations and accounts: organisations per product and status, users per
organisation, new users per month, dormant accounts."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from insight_workbench.analyst.database import AnalystData
from insight_workbench.analyst.suppression import with_totals
from insight_workbench.analyst.usage.common import (
    STATUSES,
    logins,
    ratio,
    run,
    show,
    users,
    window,
)
from insight_workbench.loading.schema import PRODUCTS


def active_organisations(
    data: AnalystData, as_of: datetime | None = None, *, days: int = 30, product: str | None = None
) -> pd.DataFrame:
    """Organisations per product and status (at export), and how many had a successful
    login in the period. Organisations are not people: no suppression is needed."""
    p = window(data, as_of, days, product)
    kinds = {"products": list(PRODUCTS), "statuses": list(STATUSES)}
    return run(data, "usage_active_organisations.sql", {"logins": logins(product)}, **kinds, **p)


def users_per_organisation(
    data: AnalystData, as_of: datetime | None = None, *, days: int = 30, product: str | None = None
) -> pd.DataFrame:
    """The policy's own example: users (not deleted) per `active` organisation, by product,
    with a Total row (the `avg_users_per_active_org` headline). Status is as exported."""
    p = window(data, as_of, days, product)
    found = run(data, "usage_users_per_organisation.sql", **p)
    frame = with_totals(found, "product", ["organisations", "users"])
    frame["avg_users_per_org"] = ratio(frame["users"], frame["organisations"], 2)
    return show(data, frame, ["users"], linked_columns=["avg_users_per_org"], total_row=True)


def new_users(
    data: AnalystData,
    as_of: datetime | None = None,
    *,
    months: int = 12,
    product: str | None = None,
) -> pd.DataFrame:
    """Accounts created per month (deleted ones included): month, new_users."""
    p = window(data, as_of, 1, product)
    frame = run(data, "usage_new_users.sql", {"users": users()}, months=max(months, 1), **p)
    return show(data, frame, ["new_users"])


def dormant_accounts(
    data: AnalystData, as_of: datetime | None = None, *, days: int = 90, product: str | None = None
) -> pd.DataFrame:
    """Accounts (not deleted, created by `as_of`'s month) with no successful login in the
    last `days` (never logged in included), by product, with a Total row. The accounts
    that did log in (`active`) are a count of people too: accounts less dormant would
    give them back, so `accounts` is suppressed as the total of both."""
    p = window(data, as_of, days, product)
    fragments = {"logins": logins(product), "users": users()}
    frame = run(data, "usage_dormant_accounts.sql", fragments, products=list(PRODUCTS), **p)
    frame = frame.assign(active=frame["accounts"] - frame["dormant"])
    frame = frame[["product", "accounts", "active", "dormant"]]
    frame = with_totals(frame, "product", ["accounts", "active", "dormant"])
    frame["dormant_share"] = ratio(frame["dormant"], frame["accounts"], 3)
    return show(
        data,
        frame,
        ["active", "dormant"],
        row_total="accounts",
        linked_columns=["dormant_share"],
        total_row=True,
    )
