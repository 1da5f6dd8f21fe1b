"""The usage report's section: analyst-safe data only (keyed pseudonyms, truncated IPs,
small cells suppressed), so the report holds no identifier of anyone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import plotly.express as px

from insight_workbench import charts
from insight_workbench.analyst import usage
from insight_workbench.analyst.database import AnalystData
from insight_workbench.analyst.usage.headline import headline_rows
from insight_workbench.analyst.usage.periods import complete_periods
from insight_workbench.markdown_text import escape_markdown
from insight_workbench.reports.sections import Section
from insight_workbench.timeutil import iso_minute


def headline(
    data: AnalystData, as_of: datetime, product: str | None = None, days: int = 30
) -> dict[str, Any]:
    """The `usage` command's headline figures for the report's product and period, as the
    analyst sees them on the Usage page: a count of people below the minimum cell size
    is its marker ("<10"), and the figures about those people (an average, logins,
    stickiness) are "[c]"."""
    return usage.analyst_headline(data, as_of, product=product, days=days)


def headline_markdown(figures: dict[str, Any], days: int = 30) -> str:
    """The headline figures (counted over `days`) as a Markdown list, each labelled in
    words as the `usage` command labels it: counts with thousands separators, "n/a"
    where a ratio has no divisor, and a suppressed count as its marker."""
    return "\n".join(
        f"- **{label}**: {escape_markdown(_figure(value))}"  # labels are this code's own
        for label, value in headline_rows(figures, days)
    )


def _figure(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _numeric(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """For charts: suppressed cells become gaps, never values."""
    out = frame.copy()
    for column in columns:
        out[column] = pd.to_numeric(out[column], errors="coerce")
    return out


def _share_cell(value: Any) -> str:
    """A share as the reader sees it: a percentage, or a suppressed cell's marker (a
    gap alone would read as "no data")."""
    if isinstance(value, str):
        return value
    return "" if pd.isna(value) else f"{float(value):.0%}"


def _cell(value: Any) -> str:
    """A grid cell as the reader sees it: its count, or a suppressed cell's marker."""
    return "" if value is None else str(value)


def usage_section(
    data: AnalystData,
    as_of: datetime,
    product: str | None = None,
    days: int = 90,
    grain: str = "week",
) -> Section:
    """Usage figures and charts for one product (None: all) over `days` before `as_of`."""
    scope: dict[str, Any] = {"days": days, "product": product}
    # Finished periods only, as on the Usage page: the analyst's `as_of` is a midnight,
    # and the day it starts would be drawn as a fall to nothing.
    active, _ = complete_periods(
        usage.active_users(data, as_of, grain=grain, **scope), "period_start", grain, as_of
    )
    sticky, _ = complete_periods(usage.stickiness(data, as_of, **scope), "day", "day", as_of)
    orgs = usage.users_per_organisation(data, as_of, **scope)
    features = usage.feature_usage(data, as_of, **scope)
    browsers = usage.browser_share(data, as_of, **scope)
    systems = usage.os_share(data, as_of, **scope)
    referrers = usage.referrer_domains(data, as_of, **scope)
    hours = usage.hour_of_week(data, as_of, **scope)
    cohorts = usage.cohort_retention(data, as_of, product=product)
    scope_name = escape_markdown(product) if product else "All products"
    hidden = (
        f"Counts of fewer than {data.min_cell} people are suppressed (shown as a marker, "
        "never the value)."
        if data.min_cell > 1
        else "Nothing is suppressed: the policy's min_cell is 1."
    )
    section = Section(
        "Usage",
        f"{scope_name}, the {days} days to {iso_minute(as_of)} UTC. {hidden}",
        [
            ("Organisations per product", orgs),
            ("Feature usage by event type", features),
            ("Browsers", browsers),
            ("Operating systems", systems),
            ("Referrer domains", referrers),
        ],
    )
    section.charts += [
        charts.lines(
            _numeric(active, "active_users"),
            "period_start",
            "active_users",
            f"Active users per {grain}",
        ),
        charts.lines(
            _numeric(sticky, "stickiness"),
            "day",
            "stickiness",
            "Stickiness (daily / monthly active users)",
        ),
        charts.bars(
            _numeric(features, "events"), "event_type", "events", "Events by type", "product"
        ),
        px.pie(
            _numeric(browsers, "logins"),
            names="browser_family",
            values="logins",
            title="Logins by browser",
        ),
        charts.heatmap(
            _numeric(hours, "logins").assign(shown=hours["logins"].map(_cell)),
            "hour",
            "weekday",
            "logins",
            "Logins by hour of week (London time; 1 = Monday)",
            text="shown",
        ),
        charts.heatmap(
            _numeric(cohorts, "retention")
            .astype({"cohort": str})
            .assign(shown=cohorts["retention"].map(_share_cell)),
            "months_since",
            "cohort",
            "retention",
            "Monthly cohort retention",
            text="shown",
        ),
    ]
    section.figures = {
        "headline": headline(data, as_of, product, days),
        "product": product,
        "days": days,
        "min_cell": data.min_cell,
    }
    return section
