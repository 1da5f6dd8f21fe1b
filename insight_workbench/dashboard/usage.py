"""Usage: every figure comes from the analyst-safe data (pseudonymised, small cells
suppressed), in the DPO role as well as the analyst one."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from insight_workbench.analyst import usage
from insight_workbench.dashboard.session import Workbench
from insight_workbench.loading.schema import PRODUCTS

PRODUCT_NAMES = {code: code.replace("_", " ").title() for code in PRODUCTS}

MIN_COHORT_MONTHS = 3
PERIODS = {"Last 30 days": 30, "Last 90 days": 90, "Last 180 days": 180, "Last 365 days": 365}


def headline(wb: Workbench, product: str | None = None, days: int = 30) -> dict[str, Any]:
    """The headline figures of the `usage` command for the page's product and period, as
    an analyst may see them: a count of people below the minimum cell size is "<10", and
    the figures about them "[c]"."""
    return usage.analyst_headline(wb.analyst_data(), wb.as_of, product=product, days=days)


def report(wb: Workbench, name: str, product: str | None, days: int) -> pd.DataFrame:
    """One table of `usage.REPORTS`, for a product (None = all) and a period in days."""
    function, _title = usage.REPORTS[name]
    data = wb.analyst_data()
    if name in ("cohort_retention", "new_users"):
        return function(data, wb.as_of, months=cohort_months(days), product=product)
    if name == "active_users":
        return function(data, wb.as_of, days=days, grain=grain_for(days), product=product)
    return function(data, wb.as_of, days=days, product=product)


def as_percent(value: Any) -> str:
    """A headline fraction as a percentage (0.145 as 14.5%); a marker stays as it is."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return f"{float(value) * 100:.1f}%"


def product_name(product: str) -> str:
    """`local_insight` as the product is called, "Local Insight"; anything else as it is."""
    return PRODUCT_NAMES.get(product, product)


def with_product_names(frame: pd.DataFrame) -> pd.DataFrame:
    """For a chart's axis or legend: each product by its name, not its code."""
    return frame.assign(product=frame["product"].map(product_name))


def grain_for(days: int) -> str:
    return "day" if days <= 90 else "week"


def cohort_months(days: int) -> int:
    """Months of cohorts for a period: at least three, so that a cohort can be followed."""
    return max(days // 30, MIN_COHORT_MONTHS)


def weekly_active_users(wb: Workbench, product: str | None, days: int) -> pd.DataFrame:
    """Active users per week: for a product whose days are mostly too small to show."""
    return usage.active_users(wb.analyst_data(), wb.as_of, days=days, grain="week", product=product)


def numeric(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """For charts: suppressed cells ("<10", "[c]") become gaps, never values."""
    out = frame.copy()
    for column in columns:
        out[column] = pd.to_numeric(out[column], errors="coerce")
    return out


def for_display(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns mixing numbers and suppression markers are shown as text; a missing value
    (None, or NaN: a rate of an empty cohort) as nothing, never the text `nan`."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(_as_text)
    return out


def _as_text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
