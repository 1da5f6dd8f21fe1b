"""Organisations and accounts: organisations per product and status, users per
organisation, new users per month, dormant accounts."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from insight_workbench.analyst.database import AnalystData
from insight_workbench.analyst.suppression import with_totals
from insight_workbench.analyst.usage.common import STATUSES, USERS, logins, ratio, run, show, window
from insight_workbench.loading.schema import PRODUCTS


def active_organisations(
    data: AnalystData, as_of: datetime | None = None, *, days: int = 30, product: str | None = None
) -> pd.DataFrame:
    """Organisations per product and status (at export), and how many had a successful
    login in the period. Organisations are not people: no suppression is needed."""
    p = window(data, as_of, days, product)
    sql = f"""
        WITH active AS (SELECT DISTINCT org_pseudonym FROM users
                        WHERE user_number IN (SELECT user_number FROM ({logins(product)}))),
        grid AS (SELECT * FROM unnest($products) a(product),
                 unnest($statuses) b(status))
        SELECT g.product, g.status, count(o.org_pseudonym) AS organisations,
               count(a.org_pseudonym) AS active_organisations
        FROM grid g LEFT JOIN orgs o ON o.product = g.product AND o.status = g.status
        LEFT JOIN active a ON a.org_pseudonym = o.org_pseudonym
        WHERE CAST($product AS VARCHAR) IS NULL OR g.product = $product
        GROUP BY g.product, g.status ORDER BY g.product, list_position($statuses, g.status)"""
    return run(data, sql, products=list(PRODUCTS), statuses=list(STATUSES), **p)


def users_per_organisation(
    data: AnalystData, as_of: datetime | None = None, *, days: int = 30, product: str | None = None
) -> pd.DataFrame:
    """The policy's own example: users (not deleted) per `active` organisation, by product,
    with a Total row (the `avg_users_per_active_org` headline). Status is as exported."""
    p = window(data, as_of, days, product)
    sql = """
        SELECT o.product, count(DISTINCT o.org_pseudonym) AS organisations,
               count(u.user_pseudonym) AS users
        FROM orgs o LEFT JOIN users u ON u.org_pseudonym = o.org_pseudonym AND NOT u.deleted
        WHERE o.status = 'active' AND (CAST($product AS VARCHAR) IS NULL OR o.product = $product)
        GROUP BY o.product ORDER BY o.product"""
    frame = with_totals(run(data, sql, **p), "product", ["organisations", "users"])
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
    sql = f"""
        WITH months AS (
            SELECT CAST(t AS DATE) AS month FROM generate_series(
                date_trunc('month', $as_of) - to_months($months - 1), date_trunc('month', $as_of),
                INTERVAL 1 MONTH) g(t))
        SELECT m.month, count(u.user_pseudonym) AS new_users
        FROM months m LEFT JOIN ({USERS}) u ON u.created_month = m.month
        GROUP BY m.month ORDER BY m.month"""
    return show(data, run(data, sql, months=max(months, 1), **p), ["new_users"])


def dormant_accounts(
    data: AnalystData, as_of: datetime | None = None, *, days: int = 90, product: str | None = None
) -> pd.DataFrame:
    """Accounts (not deleted, created by `as_of`'s month) with no successful login in the
    last `days` (never logged in included), by product, with a Total row."""
    p = window(data, as_of, days, product)
    sql = f"""
        WITH seen AS (SELECT DISTINCT user_number FROM ({logins(product)})),
        accounts AS (SELECT * FROM ({USERS})
                     WHERE NOT deleted AND created_month <= CAST($as_of AS DATE))
        SELECT g.product, count(a.user_number) AS accounts,
               count(a.user_number) FILTER (WHERE s.user_number IS NULL) AS dormant
        FROM unnest($products) g(product)
        LEFT JOIN accounts a ON a.product = g.product
        LEFT JOIN seen s ON s.user_number = a.user_number
        WHERE CAST($product AS VARCHAR) IS NULL OR g.product = $product
        GROUP BY g.product ORDER BY g.product"""
    frame = run(data, sql, products=list(PRODUCTS), **p)
    frame = with_totals(frame, "product", ["accounts", "dormant"])
    frame["dormant_share"] = ratio(frame["dormant"], frame["accounts"], 3)
    return show(
        data, frame, ["accounts", "dormant"], linked_columns=["dormant_share"], total_row=True
    )
