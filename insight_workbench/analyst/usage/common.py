"""What every usage query shares: the window, the parameters, the login and user sets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from insight_workbench.analyst import vocabulary
from insight_workbench.analyst.database import AnalystData
from insight_workbench.analyst.suppression import suppress
from insight_workbench.errors import InputError
from insight_workbench.loading.schema import PRODUCTS
from insight_workbench.sql import Fragments, read_sql
from insight_workbench.sql import frame as sql_frame
from insight_workbench.timeutil import days_from

STATUSES = vocabulary.STATUSES

# Where a window's logins start: after $start (the window is ($start, $as_of]).
AFTER_START = "l.ts > $start"


def logins(product: str | None, since: str = AFTER_START) -> str:
    """SQL of the successful logins from `since` (a condition on `l.ts`) up to $as_of, of
    one product's users when `product` is set (the product of the user's organisation)."""
    of_product = "" if product is None else " AND l.org_product = $product"
    return read_sql("usage_logins.sql", {"since": since, "of_product": of_product})


def users() -> str:
    """SQL of the users (deleted ones too) with their organisation's product and status."""
    return read_sql("usage_users.sql")


def pooled(rows: str, label: str, groups: Sequence[str] = ()) -> str:
    """SQL of `rows` (one per login or event) counted per person and `label` within its
    group, a label fewer than $min_cell people are behind read as $other (see
    usage_pooled.sql)."""
    keys = ", ".join([*groups, label])
    on = " AND ".join(f"s.{k} IS NOT DISTINCT FROM r.{k}" for k in [*groups, label])
    fragments = {"keys": keys, "on": on, "label": label, "rows": rows}
    return read_sql("usage_pooled.sql", fragments)


def run(
    data: AnalystData, sql_file: str, fragments: Fragments | None = None, **params: Any
) -> pd.DataFrame:
    """One usage query (`sql/usage_*.sql`) on the analyst database, as a frame."""
    cursor = data.cursor()
    try:
        return sql_frame(cursor, sql_file, fragments, **params)
    finally:
        cursor.close()


def window(
    data: AnalystData, as_of: datetime | None, days: int, product: str | None
) -> dict[str, Any]:
    """Parameters as_of, start (= as_of − days) and product, checked."""
    moment = data.as_of(as_of)
    if days < 1:
        raise InputError("days: must be at least 1")
    if product is not None and product not in PRODUCTS:
        raise InputError(f"product: must be one of {', '.join(PRODUCTS)}")
    return {"as_of": moment, "start": days_from(moment, -days), "product": product}


def show(data: AnalystData, frame: pd.DataFrame, counts: list[str], **kw: Any) -> pd.DataFrame:
    """The frame as an analyst may see it: small counts of people suppressed."""
    return suppress(frame, counts, min_cell=data.min_cell, **kw)


def ratio(numerators: pd.Series, denominators: pd.Series, digits: int) -> list[float | None]:
    """Each numerator over its denominator (`rounded`); None without a divisor."""
    return [rounded(n, d, digits) for n, d in zip(numerators, denominators, strict=True)]


def rounded(numerator: int, denominator: int, digits: int) -> float | None:
    """The exact quotient of two counts rounded half up to `digits` places, as the
    headline's figures are: a table beside them shows the same number (binary floats and
    Python's half-to-even rounding made 81 users of 8 organisations 10.12 beside the
    headline's 10.13). None without a divisor."""
    if not denominator:
        return None
    exact = Decimal(int(numerator)) / Decimal(int(denominator))
    return float(exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))
