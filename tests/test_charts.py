"""Plotly figure builders: the data they are given is what they draw."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import pandas as pd
import pytest

from insight_workbench import access_monitoring, charts
from insight_workbench.analyst import usage
from insight_workbench.analyst.database import AnalystData, analyst_data
from insight_workbench.dashboard import figures
from insight_workbench.dashboard import usage as views
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.policy import load_policy


def test_findings_by_family_colours_severity() -> None:
    counts = pd.DataFrame(
        {
            "family": ["Retention", "Retention", "Access"],
            "severity": ["high", "medium", "high"],
            "findings": [3, 1, 2],
        }
    )
    figure = charts.findings_by_family(counts)
    traces = {trace.name: trace for trace in figure.data}
    assert set(traces) == {"high", "medium"}
    assert traces["high"].marker.color == charts.SEVERITY_COLOURS["high"]
    assert list(traces["high"].y) == [3, 2]


def test_findings_by_family_with_no_findings_is_an_empty_chart() -> None:
    counts = pd.DataFrame({"family": [], "severity": [], "findings": []})
    figure = charts.findings_by_family(counts, {"Retention": "RET-001"})
    assert sum(len(trace.y) for trace in figure.data) == 0


def test_findings_by_family_shows_each_familys_rules_on_hover() -> None:
    counts = pd.DataFrame(
        {"family": ["Retention", "Access"], "severity": ["high"] * 2, "findings": [1, 2]}
    )
    figure = charts.findings_by_family(counts, {"Retention": "RET-001 deletion"})
    assert [row[0] for row in figure.data[0].customdata] == ["RET-001 deletion", ""]


def test_heatmap_keeps_gaps_and_labels() -> None:
    frame = pd.DataFrame(
        {
            "hour": [0, 1, 0, 1],
            "weekday": [1, 1, 2, 2],
            "logins": [12.0, None, 30.0, 11.0],
            "label": ["12", "<10", "30", "11"],
        }
    )
    figure = charts.heatmap(frame, "hour", "weekday", "logins", "When", text="label")
    grid = figure.data[0].z
    assert grid[0][0] == 12.0
    assert math.isnan(grid[0][1])
    assert figure.data[0].text[0][1] == "&lt;10"  # plotly shows the entity as "<10"


def test_a_label_s_markup_is_shown_as_text_and_a_selected_id_kept() -> None:
    """Plotly reads `<a href>`, `<br>` and `<span style>` in any label: a name from a
    snapshot is given to it as entities, which it shows as the characters themselves."""
    name = '<a href="https://evil.example/">Acme & Co</a>'
    frame = pd.DataFrame(
        {"due": pd.to_datetime(["2026-01-01"], utc=True), "org": [name], "id": ["O<1>"]}
    )
    figure = charts.timeline(frame, "due", "org", "org", "Due dates", custom=["id"])
    shown = '&lt;a href="https://evil.example/"&gt;Acme &amp; Co&lt;/a&gt;'
    assert list(figure.data[0].y) == [shown]
    assert figure.data[0].name == shown
    assert list(figure.data[0].customdata[0]) == ["O<1>"]  # read back as it is


def test_a_label_s_bidi_override_is_shown_as_its_escape_and_a_selected_id_kept() -> None:
    """`Acme<U+202E>gro.di` drew as "Acmeid.org" on the axis; the id read back on a
    selection is the value as it is."""
    name = "Acme\u202egro.di\n"
    frame = pd.DataFrame(
        {"due": pd.to_datetime(["2026-01-01"], utc=True), "org": [name], "id": ["O\u202e1"]}
    )
    figure = charts.timeline(frame, "due", "org", "org", "Due dates", custom=["id"])
    assert list(figure.data[0].y) == ["Acme\\u202egro.di\\n"]
    assert list(figure.data[0].customdata[0]) == ["O\u202e1"]


def test_a_title_naming_a_dataset_shows_its_markup_as_text() -> None:
    """A dataset's name is its file's name, which may hold `<b>` or `<span style>`: the
    chart of its classes names it in its title, which plotly reads as markup too."""
    frame = pd.DataFrame({"class_size": [1], "classes": [1], "below_k": [True]})
    name = "survey<b>2026 & \u202eco"
    figure = figures.class_sizes(frame, name, 5).figure
    assert figure.layout.title.text == (
        "Equivalence classes of survey&lt;b&gt;2026 &amp; \\u202eco by size"
    )


def test_timeline_colours_states() -> None:
    frame = pd.DataFrame(
        {
            "due": pd.to_datetime(["2026-01-01", "2026-03-01"], utc=True),
            "org": ["A", "B"],
            "state": ["overdue", "upcoming"],
        }
    )
    figure = charts.timeline(frame, "due", "org", "state", "Due dates")
    colours = {trace.name: trace.marker.color for trace in figure.data}
    assert colours == {
        "overdue": charts.STATE_COLOURS["overdue"],
        "upcoming": charts.STATE_COLOURS["upcoming"],
    }


def test_a_timeline_of_one_moment_spans_the_days_around_it() -> None:
    """Alone (or with others at the same instant), a point would sit on an axis a
    millisecond wide, ticked in fractions of a second."""
    due = pd.Timestamp("2026-11-28T02:00:00Z")
    frame = pd.DataFrame({"due": [due, due], "org": ["A", "B"], "state": ["due now"] * 2})
    start, end = (
        pd.Timestamp(v)
        for v in charts.timeline(frame, "due", "org", "state", "D").layout.xaxis.range
    )
    assert start <= due - pd.Timedelta(days=1)
    assert end >= due + pd.Timedelta(days=1)
    two = frame.assign(due=[due, due + pd.Timedelta(days=9)])
    assert charts.timeline(two, "due", "org", "state", "D").layout.xaxis.range is None
    # A moment the caller marks (the as-of line) stays on the axis: far off, the axis is
    # plotly's own, which takes the line in; near, the widened span holds both.
    far = charts.timeline(frame, "due", "org", "state", "D", marked=due + pd.Timedelta(days=40))
    assert far.layout.xaxis.range is None
    near = due + pd.Timedelta(hours=5)
    start, end = (
        pd.Timestamp(v)
        for v in charts.timeline(frame, "due", "org", "state", "D", marked=near).layout.xaxis.range
    )
    assert start < due < near < end


# The app's charts (dashboard/figures.py), built from the committed sample's analyst-safe
# data or from small frames shaped as the library returns them.

KEY = b"charts-test-key-0123456789abcdef"


@pytest.fixture(scope="module")
def data(sample: Snapshot) -> AnalystData:
    return analyst_data(sample, KEY)


def _dates(values: Any) -> list[pd.Timestamp]:
    return [pd.Timestamp(v) for v in values]


def _y(figure: Any) -> list[float]:
    return [float(v) for trace in figure.data for v in trace.y]


def test_active_users_per_day_on_a_date_axis_without_the_unfinished_day(data) -> None:
    as_of = data.as_of(None)  # the export: 02:00 on its day
    frame = usage.active_users(data, days=30, grain="day")
    assert pd.Timestamp(frame["period_start"].iloc[-1]).date() == as_of.date()  # partial day
    chart = figures.active_users(frame, "day", as_of, data.min_cell, weekly=False)
    assert chart.figure.layout.xaxis.type == "date"
    x = _dates(chart.figure.data[0].x)
    assert x == sorted(x)
    assert x[-1].date() < as_of.date()
    assert _y(chart.figure)[-1] > 0
    assert any("has not ended" in note for note in chart.notes)


def test_a_year_starts_at_the_first_activity_and_stickiness_has_no_tiny_months(data) -> None:
    as_of = data.as_of(None)
    weekly = usage.active_users(data, days=365, grain="week")
    assert pd.to_numeric(weekly["active_users"], errors="coerce").iloc[0] == 0  # zeros first
    chart = figures.active_users(weekly, "week", as_of, data.min_cell, weekly=False)
    y = chart.figure.data[0].y
    assert y[0] != 0  # a suppressed first week (a gap) is activity too
    sticky = usage.stickiness(data, days=365)
    chart = figures.stickiness(sticky, as_of)
    ratios = [v for v in chart.figure.data[0].y if v is not None and not math.isnan(v)]
    assert ratios
    assert max(ratios) < 1.0
    x = _dates(chart.figure.data[0].x)
    first_active = pd.Timestamp(
        sticky["day"][pd.to_numeric(sticky["mau"], errors="coerce").fillna(1) > 0].iloc[0]
    )
    assert x[0] >= first_active + pd.Timedelta(days=figures.MAU_WINDOW_DAYS - 1)
    assert x[-1].date() < as_of.date()
    assert chart.figure.layout.xaxis.type == "date"
    shown = sticky.assign(day=pd.to_datetime(sticky["day"])).set_index("day")
    for day, ratio in zip(x, chart.figure.data[0].y, strict=True):
        mau = pd.to_numeric(shown.loc[day, "mau"], errors="coerce")
        if not (mau >= figures.MIN_MAU):
            assert ratio is None or math.isnan(ratio)


def test_a_month_of_stickiness_after_a_long_history_is_drawn(data) -> None:
    """The sample's logins go back months: the 30 days shown each have a full month
    counted behind them, so every finished day with enough people is drawn."""
    as_of = data.as_of(None)
    sticky = usage.stickiness(data, days=30)
    assert pd.to_numeric(sticky["mau"], errors="coerce").iloc[0] >= figures.MIN_MAU
    chart = figures.stickiness(sticky, as_of)
    x = _dates(chart.figure.data[0].x)
    assert x[0] == pd.Timestamp(sticky["day"].iloc[0])
    assert x[-1].date() < as_of.date()
    assert [v for v in chart.figure.data[0].y if v is not None and not math.isnan(v)]


@pytest.mark.parametrize("days", [30, 90, 180, 365])
def test_cohorts_at_every_period_have_month_labels_and_no_empty_rows(data, days) -> None:
    frame = usage.cohort_retention(data, months=views.cohort_months(days))
    figure = figures.cohorts(frame).figure
    heat = figure.data[0]
    assert figure.layout.xaxis.type == "category"
    assert figure.layout.yaxis.type == "category"
    assert len(heat.y) >= 2
    for label in heat.y:
        datetime.strptime(label, "%b %Y")  # "Nov 2026", never a timestamp
    for row in heat.z:
        assert not all(v is None or math.isnan(v) for v in row)


def test_class_sizes_pass_and_fail_in_fixed_colours_with_the_k_line() -> None:
    frame = pd.DataFrame(
        {"class_size": [1, 2, 5, 9], "classes": [4, 2, 3, 1], "below_k": [True, True, False, False]}
    )
    figure = figures.class_sizes(frame, "survey", 5).figure
    colours = {trace.name: trace.marker.color for trace in figure.data}
    assert colours == {"fails (below k)": charts.FAIL, "passes (k or more)": charts.PASS}
    assert [list(t.x) for t in figure.data if t.name.startswith("fails")] == [[1, 2]]
    assert [shape.x0 for shape in figure.layout.shapes] == [4.5]
    assert any("k = 5" in a.text for a in figure.layout.annotations)
    # every class passing: still green, never a colour picked by order
    passing = figures.class_sizes(frame.assign(below_k=False), "survey", 5).figure
    assert [t.marker.color for t in passing.data] == [charts.PASS]


def test_hour_of_week_reads_monday_to_sunday(data) -> None:
    figure = figures.hour_of_week(usage.hour_of_week(data, days=365)).figure
    heat = figure.data[0]
    assert list(heat.y) == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert list(heat.x)[:2] == ["00:00", "01:00"]
    assert len(heat.x) == 24
    assert figure.layout.yaxis.type == "category"


def test_failed_logins_by_hour_of_day_and_per_day_on_dates(sample: Snapshot) -> None:
    policy = load_policy()
    hourly = access_monitoring.failed_logins_over_time(sample, policy, "hour")
    figure = figures.failed_logins(hourly, "hour").figure
    hours = {int(x) for trace in figure.data for x in trace.x}
    assert hours <= set(range(24))
    assert sum(_y(figure)) == hourly["failed_logins"].sum()
    assert {t.name: t.marker.color for t in figure.data}["with a burst"] == charts.FAIL
    daily = access_monitoring.failed_logins_over_time(sample, policy, "day")
    assert figures.failed_logins(daily, "day").figure.layout.xaxis.type == "date"


def test_open_requests_least_time_left_on_top_with_labels() -> None:
    frame = pd.DataFrame(
        {
            "request_id": ["R1", "R2", "R3"],
            "type": ["access", "erasure", "access"],
            "days_left": [20, 2, 9],
            "due_date": ["2026-12-20", "2026-12-02", "2026-12-09"],
        }
    )
    figure = figures.days_left(frame).figure
    bottom_up = list(figure.layout.yaxis.categoryarray)
    assert bottom_up[::-1] == ["R2", "R3", "R1"]  # least time left on top
    assert figure.layout.yaxis.autorange in (None, True)
    labels = {y: t for trace in figure.data for y, t in zip(trace.y, trace.text, strict=True)}
    assert labels["R2"] == "2 days · due 2026-12-02"


def test_a_small_product_is_shown_per_week_with_the_reason(data) -> None:
    daily = usage.active_users(data, days=30, grain="day", product="value_insight")
    assert figures.mostly_suppressed(daily, "active_users")
    weekly = usage.active_users(data, days=30, grain="week", product="value_insight")
    chart = figures.active_users(weekly, "week", data.as_of(None), data.min_cell, weekly=True)
    assert any("per week" in note and "fewer than" in note for note in chart.notes)
    assert not figures.mostly_suppressed(
        usage.active_users(data, days=30, grain="day"), "active_users"
    )


def test_axes_legend_and_hover_name_columns_in_words() -> None:
    frame = pd.DataFrame(
        {"period": ["2026-11-01", "2026-11-02"], "failed_logins": [3, 4], "burst": ["a", "b"]}
    )
    figure = charts.bars(frame, "period", "failed_logins", "Failed logins", colour="burst")
    assert figure.layout.yaxis.title.text == "Failed logins"
    assert figure.layout.legend.title.text == "Burst"
    assert "Failed logins=" in figure.data[0].hovertemplate
    assert "failed_logins" not in figure.data[0].hovertemplate


def test_timeline_points_are_labelled_by_themselves_not_by_a_column_name() -> None:
    frame = pd.DataFrame(
        {
            "due_at": pd.to_datetime(["2026-12-01", "2027-01-01"], utc=True),
            "label": ["O1 One", "O2 Two"],
            "state": ["overdue", "upcoming"],
            "rows_held": [3, 0],
        }
    )
    figure = charts.timeline(frame, "due_at", "label", "state", "Due dates", hover=["rows_held"])
    assert figure.layout.yaxis.title.text is None
    assert figure.layout.xaxis.title.text == "Due at"
    assert "Rows held=" in figure.data[0].hovertemplate


def test_failed_logins_on_one_day_are_a_bar_a_day_wide_under_its_date() -> None:
    """With every failure on one day, plotly drew a bar 1 ms wide on an axis reading
    "23:59:59.9996"."""
    frame = pd.DataFrame(
        {
            "period": pd.to_datetime(["2026-04-03"], utc=True),
            "failed_logins": [12],
            "in_burst": [True],
        }
    )
    figure = charts.failed_logins_per_day(frame, "Failed logins per day (UTC)")
    assert [str(t.date()) for t in figure.layout.xaxis.range] == ["2026-04-02", "2026-04-04"]
    assert figure.layout.xaxis.dtick == charts.DAY_MS
    assert figure.data[0].width == 0.8 * charts.DAY_MS
    two = pd.concat([frame, frame.assign(period=frame["period"] + pd.Timedelta(days=1))])
    assert charts.failed_logins_per_day(two, "t").layout.xaxis.range is None  # plotly's own


def test_rows_held_keeps_organisations_whose_ids_read_as_numbers_apart() -> None:
    """Organisations `0012` and `12` were drawn on a number line (plotly reads ids made of
    digits as numbers): one bar at 12 stacking both organisations' rows, and a click on
    it picked `12` alone."""
    frame = pd.DataFrame(
        {"org_id": ["0012", "12", "0012"], "table": ["users", "users", "logins"], "rows": [1, 1, 2]}
    )
    figure = figures.rows_held(frame).figure
    assert figure.layout.xaxis.type == "category"
    assert [list(trace.x) for trace in figure.data] == [["0012", "12"], ["0012"]]


def test_every_bar_chart_of_ids_draws_them_as_categories() -> None:
    """The reports' days-late chart drew numeric request ids on a number line, as the
    Retention chart did: `12` and `0012` one bar. Bars of text are categories, either way
    round; bars of numbers keep their number line."""
    frame = pd.DataFrame({"request_id": ["0012", "12", "1000"], "days_late": [3, 4, 5]})
    assert charts.bars(frame, "request_id", "days_late", "Days late").layout.xaxis.type == (
        "category"
    )
    across = charts.bars(frame, "request_id", "days_late", "Days late", horizontal=True)
    assert across.layout.yaxis.type == "category"
    numbers = pd.DataFrame({"hour": [1, 2, 3], "n": [3, 4, 5]})
    assert charts.bars(numbers, "hour", "n", "By hour").layout.xaxis.type is None
