"""What every usage query shares: the window, the parameters, the login and user sets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from insight_workbench.analyst import vocabulary
from insight_workbench.analyst.database import AnalystData
from insight_workbench.analyst.suppression import suppress
from insight_workbench.errors import InputError
from insight_workbench.loading.schema import PRODUCTS

STATUSES = vocabulary.STATUSES

# Successful logins in (start, as_of], with what the analyst database derived for each
# (`database.py`): the user's number, the day, the London hour of the week, the cohort.
_LOGINS = """
    SELECT l.ts, l.user_number, l.browser_family, l.os_family, l.referrer_domain,
           l.day, l.london_weekday, l.london_hour, l.first_login_month
    FROM logins l WHERE l.success AND l.ts > $start AND l.ts <= $as_of"""


def logins(product: str | None) -> str:
    """Successful logins in (start, as_of], of one product's users when `product` is set
    (the product of the user's organisation, stored with each login)."""
    return _LOGINS if product is None else f"{_LOGINS} AND l.org_product = $product"


# Users (deleted ones too) with their organisation's product and status.
USERS = """
    SELECT u.*, o.product, o.status
    FROM users u LEFT JOIN orgs o ON o.org_pseudonym = u.org_pseudonym
    WHERE CAST($product AS VARCHAR) IS NULL OR o.product = $product"""


def pooled(rows: str, label: str, groups: Sequence[str] = ()) -> str:
    """`rows` (one per login or event, with `user_number` and `label`) counted per person
    and label within its group: `user_number` and `n`, the rows behind them. A label that
    fewer than $min_cell people are behind, within its group, reads $other: the very name
    of a rare event type, browser or site could point at a person. Per pooled label,
    count(DISTINCT user_number) is its people and sum(n) its rows."""
    keys = ", ".join([*groups, label])
    on = " AND ".join(f"s.{k} IS NOT DISTINCT FROM r.{k}" for k in [*groups, label])
    return f"""
        WITH r AS (SELECT {keys}, user_number, count(*) AS n FROM ({rows}) GROUP BY ALL),
        sizes AS (SELECT {keys}, count(user_number) AS people FROM r GROUP BY ALL)
        SELECT r.* REPLACE (CASE WHEN s.people >= $min_cell THEN r.{label} ELSE $other END
                            AS {label})
        FROM r JOIN sizes s ON {on}"""


def run(data: AnalystData, sql: str, **params: Any) -> pd.DataFrame:
    # DuckDB refuses values for parameters a statement does not use.
    used = {name: value for name, value in params.items() if f"${name}" in sql}
    cursor = data.cursor()
    try:
        return cursor.execute(sql, used).df()
    finally:
        cursor.close()


def window(
    data: AnalystData, as_of: datetime | None, days: int, product: str | None
) -> dict[str, Any]:
    """Parameters as_of, start (= as_of − days) and product, checked."""
    moment = data.as_of(as_of)
    if days < 1:
        raise InputError("period: days must be at least 1")
    if product is not None and product not in PRODUCTS:
        raise InputError(f"product: must be one of {', '.join(PRODUCTS)}")
    return {"as_of": moment, "start": moment - timedelta(days=days), "product": product}


def show(data: AnalystData, frame: pd.DataFrame, counts: list[str], **kw: Any) -> pd.DataFrame:
    """The frame as an analyst may see it: small counts of people suppressed."""
    return suppress(frame, counts, min_cell=data.min_cell, **kw)


def ratio(numerators: pd.Series, denominators: pd.Series, digits: int) -> list[float | None]:
    return [
        round(float(n) / float(d), digits) if d else None
        for n, d in zip(numerators, denominators, strict=True)
    ]
