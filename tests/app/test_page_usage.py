"""Usage page: analyst-safe data only, filters for product and period, small cells hidden."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import numpy as np
import pytest
from apphelpers import frame_with, leaked, metrics, plotly_specs, rendered_text
from conftest import KEY

from insight_workbench.analyst import usage
from insight_workbench.analyst.database import AnalystData, analyst_data
from insight_workbench.loading.schema import PRODUCTS
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.timeutil import start_of_utc_day

pytestmark = pytest.mark.slow  # started first: see tests/conftest.py

PAGE = "app_pages/usage.py"


@pytest.fixture(scope="module")
def data(sample: Snapshot) -> AnalystData:
    return analyst_data(sample, KEY.encode())


def shown(value: object, min_cell: int) -> str:
    if isinstance(value, int) and 0 < value < min_cell:
        return f"<{min_cell}"
    return "—" if value is None else str(value)


def day_start(data: AnalystData) -> datetime:
    """The analyst's as_of by default: the start of the export's UTC day."""
    return start_of_utc_day(data.exported_at)


@pytest.mark.parametrize("role", ["dpo", "analyst"])
def test_headline_metrics_are_the_library_figures(open_app, data, role) -> None:
    app = open_app(role, PAGE)
    assert not app.exception
    assert not app.error
    figures = usage.headline_figures(data, day_start(data) if role == "analyst" else None)
    m = data.min_cell
    assert metrics(app) == {
        "Users": shown(figures["users"], m),
        "Active users, 30 days": shown(figures["active_users_30d"], m),
        "Logins, 30 days": str(figures["logins_30d"]),
        "Avg users per active org": shown(figures["avg_users_per_active_org"], m),
        "Stickiness (DAU/MAU)": f"{float(figures['stickiness']) * 100:.1f}%",
    }


def test_headline_metrics_follow_product_and_period(open_app, data) -> None:
    app = open_app("analyst", PAGE)
    product = PRODUCTS[0]
    app.selectbox(key="usage_product").select(product)
    app.selectbox(key="usage_period").select("Last 90 days").run()
    assert not app.exception
    figures = usage.analyst_headline(data, day_start(data), product=product, days=90)
    shown = metrics(app)
    assert shown["Users"] == str(figures["users"])
    assert shown["Active users, 90 days"] == str(figures["active_users_30d"])
    assert shown["Logins, 90 days"] == str(figures["logins_30d"])
    assert figures["users"] != usage.analyst_headline(data)["users"]


def test_product_filter_changes_what_is_shown(open_app, data) -> None:
    app = open_app("analyst", PAGE)
    everything = frame_with(app, "event_type", "events")
    product = PRODUCTS[0]
    app.selectbox(key="usage_product").select(product).run()
    assert not app.exception
    one = frame_with(app, "event_type", "events")
    assert set(one["product"]) == {product}
    expected = usage.feature_usage(data, day_start(data), days=30, product=product)
    assert list(one["event_type"]) == list(expected["event_type"])
    assert list(one["users"].astype(str)) == list(expected["users"].astype(str))
    assert len(one) < len(everything)


def test_period_changes_the_activity_chart(open_app) -> None:
    app = open_app("analyst", PAGE)
    short = json.loads(plotly_specs(app)["active_chart"])
    app.selectbox(key="usage_period").select("Last 365 days").run()
    assert not app.exception
    long = json.loads(plotly_specs(app)["active_chart"])
    assert len(long["data"][0]["x"]) != len(short["data"][0]["x"])


def test_charts_name_the_products_as_they_are_called(open_app) -> None:
    """The legends and axes read "Local Insight", never the code `local_insight`."""
    app = open_app("analyst", PAGE)
    assert not app.exception
    specs = plotly_specs(app)
    for chart, field in (("orgs_chart", "x"), ("features_chart", "name")):
        traces = json.loads(specs[chart])["data"]
        named = {str(v) for t in traces for v in np.atleast_1d(t.get(field, []))}
        assert named & {"Local Insight", "Community Insight", "Value Insight"}, chart
        assert not named & set(PRODUCTS), chart


@pytest.mark.parametrize("product", ["All products", *PRODUCTS])
def test_no_identifier_reaches_an_analyst(open_app, sample_identifiers, product) -> None:
    app = open_app("analyst", PAGE)
    app.selectbox(key="usage_product").select(product)
    app.selectbox(key="usage_period").select("Last 365 days").run()
    assert not app.exception
    assert leaked(rendered_text(app), sample_identifiers) == []


def test_small_counts_of_people_are_suppressed(open_app, data) -> None:
    app = open_app("analyst", PAGE)
    app.selectbox(key="usage_product").select(PRODUCTS[-1]).run()
    people = {
        "users",
        "dau",
        "mau",
        "active_users",
        "new_users",
        "accounts",
        "active",
        "dormant",
        "cohort_size",
    }
    checked = 0
    for element in app.dataframe:
        for column in people & set(element.value.columns):
            for value in element.value[column]:
                checked += 1
                text = str(value)
                assert (
                    text in (f"<{data.min_cell}", "[c]", "")
                    or float(text) == 0
                    or float(text) >= data.min_cell
                ), f"{column}: a small count is shown"
    assert checked > 0


def test_an_analyst_s_as_of_counts_whole_days(open_app, data) -> None:
    """Two addresses a second apart give the same figures, those at the start of that
    UTC day, and the sidebar says so: the difference could be one person's login."""
    day = (data.exported_at - timedelta(days=3)).date().isoformat()
    seen = []
    for moment in (day, f"{day}T00:00:01Z", f"{day}T23:59:59Z"):  # a day picked: up to it
        app = open_app("analyst", PAGE, query={"as_of": moment})
        assert not app.exception
        seen.append(metrics(app))
        captions = [c.value for c in app.sidebar.caption]
        assert any(f"as of {day} 00:00 UTC" in c for c in captions)
        assert any("whole days" in c for c in captions)
    assert seen[0] == seen[1] == seen[2]
    at_day_start = usage.analyst_headline(
        data, start_of_utc_day(datetime.fromisoformat(f"{day}T12:00:00+00:00"))
    )
    assert seen[0]["Users"] == str(at_day_start["users"])


def test_the_analyst_s_last_day_is_a_whole_day_of_the_export(open_app, data) -> None:
    """Counted to the end of the export's day, the last day was the two hours before the
    export: the headline read a stickiness of 0.0 and the daily charts fell to zero."""
    app = open_app("analyst", PAGE)
    assert not app.exception
    shown = metrics(app)
    [stickiness] = [value for label, value in shown.items() if label.startswith("Stickiness")]
    expected = usage.analyst_headline(data, start_of_utc_day(data.exported_at))["stickiness"]
    assert stickiness == f"{float(expected) * 100:.1f}%"
    assert float(stickiness.removesuffix("%")) > 0
