"""Usage: every figure comes from the analyst-safe data (pseudonymised, small cells
suppressed), in the DPO role as well as the analyst one."""

from __future__ import annotations

from typing import Any

import pandas as pd

from insight_workbench.analyst import usage
from insight_workbench.dashboard.session import Workbench

PERIODS = {"Last 30 days": 30, "Last 90 days": 90, "Last 180 days": 180, "Last 365 days": 365}


def headline(wb: Workbench) -> dict[str, Any]:
    """The headline figures of the `usage` command as an analyst may see them: a count of
    people below the minimum cell size is "<10", and the figures about them "[c]"."""
    return usage.analyst_headline(wb.analyst_data(), wb.as_of)


def report(wb: Workbench, name: str, product: str | None, days: int) -> pd.DataFrame:
    """One table of `usage.REPORTS`, for a product (None = all) and a period in days."""
    function, _title = usage.REPORTS[name]
    data = wb.analyst_data()
    if name in ("cohort_retention", "new_users"):
        return function(data, wb.as_of, months=max(days // 30, 1), product=product)
    if name == "active_users":
        grain = "day" if days <= 90 else "week"
        return function(data, wb.as_of, days=days, grain=grain, product=product)
    return function(data, wb.as_of, days=days, product=product)


def numeric(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """For charts: suppressed cells ("<10", "[c]") become gaps, never values."""
    out = frame.copy()
    for column in columns:
        out[column] = pd.to_numeric(out[column], errors="coerce")
    return out


def for_display(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns mixing numbers and suppression markers are shown as text."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(lambda v: "" if v is None else str(v))
    return out
