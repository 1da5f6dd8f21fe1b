"""Clicking a chart selects the records behind it. A test cannot click plotly, so each
chart's own rendered data is turned into the selection event the browser would send; the
values it yields go into the address, and the page opened at that address shows only them."""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from apphelpers import frame_with, plotly_specs

from insight_workbench import access_monitoring as access
from insight_workbench.dashboard import selection
from insight_workbench.dashboard.access import bursts_in
from insight_workbench.dashboard.records import NOTHING_ABOUT_IT
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.policy import load_policy

RETENTION = "app_pages/retention.py"
REQUESTS = "app_pages/subject_requests.py"
ACCESS = "app_pages/access.py"
USAGE = "app_pages/usage.py"


def values(array: Any) -> list[Any]:
    """A trace's array as plain values (plotly writes numbers as base64 typed arrays)."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def click(spec: str, count: int = 2) -> dict[str, Any]:
    """The selection event of the first `count` points of each trace of a rendered chart,
    as Streamlit hands it to the page (snake_case fields, custom data as a list)."""
    figure = json.loads(spec)
    points = []
    for number, trace in enumerate(figure["data"]):
        xs, ys = values(trace.get("x", [])), values(trace.get("y", []))
        custom = trace.get("customdata")
        for index in range(min(count, len(xs))):
            point = {"curve_number": number, "point_index": index, "x": xs[index], "y": ys[index]}
            if custom is not None:
                point["customdata"] = list(custom[index])
            points.append(point)
    return {"selection": {"points": points, "point_indices": [], "box": [], "lasso": []}}


def picks(kind: str, chosen: list[str]) -> dict[str, list[str]]:
    return {selection.PARAM: [f"{kind}:{value}" for value in chosen]}


def test_an_event_gives_each_value_once_in_the_order_chosen() -> None:
    event = {
        "selection": {
            "points": [
                {"x": "2026-11-03 00:00", "customdata": ["O8"]},
                {"x": 5.0, "customdata": ["O17"]},
                {"x": "2026-11-03 00:00", "customdata": ["O8"]},
                {"customdata": []},
            ]
        }
    }
    assert selection.from_event(event, "customdata") == ["O8", "O17"]
    assert selection.from_event(event, "x") == ["2026-11-03 00:00", "5"]
    assert selection.from_event({"selection": {"points": []}}, "x") == []
    assert selection.from_event(None, "y") == []
    with pytest.raises(ValueError, match="field must be one of"):
        selection.from_event(event, "z")


def test_narrowing_ignores_values_that_name_no_row() -> None:
    frame = pd.DataFrame({"org_id": ["O1", "O2", "O3"]})
    shown, kept = selection.narrow(frame, "org_id", ["O2", "O9"])
    assert list(shown["org_id"]) == ["O2"]
    assert kept == ["O2"]
    shown, kept = selection.narrow(frame, "org_id", ["O9"])
    assert len(shown) == 3
    assert kept == []


@pytest.mark.parametrize(
    ("chart", "field"), [("retention_timeline", "customdata"), ("held_chart", "x")]
)
def test_retention_charts_select_organisations(open_app, chart: str, field: str) -> None:
    app = open_app("dpo", RETENTION)
    everything = set(frame_with(app, "state", "rows_held")["org_id"])
    chosen = selection.from_event(click(plotly_specs(app)[chart], 1), field)
    assert chosen
    assert set(chosen) <= everything
    picked = open_app("dpo", first_page=RETENTION, query=picks("org", chosen))
    assert not picked.exception
    assert not picked.error
    table = frame_with(picked, "state", "rows_held")
    assert set(table["org_id"]) == set(chosen)
    said = [i.value for i in picked.info]
    noun = "organisation" if len(chosen) == 1 else "organisations"
    assert f"{len(chosen)} {noun} selected on the chart: the table below shows only these." in said
    picked.button(key="retention_clear").click().run()
    assert selection.PARAM not in picked.query_params
    assert len(frame_with(picked, "state", "rows_held")) == len(everything)


@pytest.fixture
def ids_with_markup(tmp_path) -> str:
    """The clock snapshot with an organisation and a request whose ids hold `&`, `<`
    and a right-to-left override, which a chart's axis shows otherwise."""
    from clock_snapshot import EXPORTED_AT, TABLES

    from insight_workbench.testing import build_snapshot

    names = {"O1": "Smith & Sons <UK>\u202e", "R2": "R&2"}
    tables = {
        name: [
            {k: names.get(v, v) if k in ("org_id", "request_id") else v for k, v in row.items()}
            for row in rows
        ]
        for name, rows in TABLES.items()
    }
    return str(build_snapshot(tmp_path / "ids", tables, exported_at=EXPORTED_AT))


@pytest.mark.parametrize(
    ("page", "chart", "field", "kind", "column", "wanted"),
    [
        (RETENTION, "held_chart", "x", "org", "org_id", "Smith & Sons <UK>\u202e"),
        (REQUESTS, "days_left_chart", "y", "request", "request_id", "R&2"),
    ],
)
def test_a_chart_selects_an_id_holding_markup_as_written(
    open_app, ids_with_markup, page, chart, field, kind, column, wanted
) -> None:
    """The axis shows such an id as its label (`&amp;`, `\\u202e`): the point clicked
    gives the id back as written, and a link picking it marks its point."""
    env = {"INSIGHT_SNAPSHOT": ids_with_markup}
    app = open_app("dpo", page, env=env)
    ids = set(frame_with(app, column)[column])
    clicked = selection.from_event(click(plotly_specs(app)[chart], 10), field)
    assert wanted in [selection.by_label(ids)(label) for label in clicked]
    picked = open_app("dpo", first_page=page, env=env, query=picks(kind, [wanted]))
    assert not picked.exception
    assert set(frame_with(picked, column)[column]) == {wanted}
    traces = json.loads(plotly_specs(picked)[chart])["data"]
    marked = [values(t[field])[i] for t in traces for i in values(t.get("selectedpoints") or [])]
    assert marked, "the id the address picks is marked on its chart"


def test_the_deadline_chart_selects_requests(open_app) -> None:
    app = open_app("dpo", REQUESTS)
    waiting = frame_with(app, "days_left", "due_date")
    chosen = selection.from_event(click(plotly_specs(app)["days_left_chart"], 1), "y")
    assert chosen
    assert set(chosen) < set(waiting["request_id"])
    picked = open_app("dpo", first_page=REQUESTS, query=picks("request", chosen))
    assert not picked.exception
    assert not picked.error
    assert set(frame_with(picked, "days_left", "due_date")["request_id"]) == set(chosen)


@pytest.mark.parametrize("grain", ["day", "hour"])
def test_the_failed_logins_chart_selects_the_bursts_of_its_periods(
    open_app, sample: Snapshot, grain: str
) -> None:
    policy = load_policy()
    bursts = access.burst_windows(sample, policy)
    first = bursts.iloc[0]["first"]
    period = str(first.tz_convert("Europe/London").hour) if grain == "hour" else str(first.date())
    query = {"per": grain} if grain == "hour" else {}
    app = open_app("dpo", ACCESS)
    if grain == "hour":
        app.segmented_control(key="access_grain").set_value("hour").run()
    # The chart's own bars for that period give the period back as the page names it.
    event = click(plotly_specs(app)["failed_chart"], 10_000)
    said = {selection.day_of(v) for v in selection.from_event(event, "x")}
    assert period in said
    picked = open_app("dpo", first_page=ACCESS, query={**query, **picks(grain, [period])})
    assert not picked.exception
    assert not picked.error
    expected, kept = bursts_in(bursts, [period], grain, [period])
    assert kept == [period]
    assert 0 < len(expected) < len(bursts)
    shown = frame_with(picked, "subject", "failed_logins")
    assert sorted(map(str, shown["subject"])) == sorted(map(str, expected["subject"]))
    assert picked.button(key="failed_clear")


@pytest.mark.parametrize("role", ["dpo", "analyst"])
def test_usage_charts_select_aggregated_rows(open_app, role: str) -> None:
    app = open_app(role, USAGE)
    features = frame_with(app, "event_type", "events")
    chosen = selection.from_event(click(plotly_specs(app)["features_chart"], 1), "x")
    assert chosen
    assert set(chosen) < set(features["event_type"])
    browsers = selection.from_event(click(plotly_specs(app)["browser_share_chart"], 1), "y")
    query = {selection.PARAM: [f"feature:{chosen[0]}", f"browser_family:{browsers[0]}"]}
    picked = open_app(role, first_page=USAGE, query=query)
    assert not picked.exception
    assert not picked.error
    assert set(frame_with(picked, "event_type", "events")["event_type"]) == {chosen[0]}
    assert set(frame_with(picked, "browser_family", "logins")["browser_family"]) == {browsers[0]}


def test_a_selection_in_the_address_is_marked_on_its_chart(open_app) -> None:
    app = open_app("dpo", RETENTION)
    chosen = selection.from_event(click(plotly_specs(app)["retention_timeline"], 1), "customdata")
    picked = open_app("dpo", first_page=RETENTION, query=picks("org", chosen[:1]))
    traces = json.loads(plotly_specs(picked)["retention_timeline"])["data"]
    marked = [
        trace["customdata"][i][0] for trace in traces for i in values(trace["selectedpoints"])
    ]
    assert marked == chosen[:1]


def test_a_record_s_bursts_hidden_by_a_pick_are_said_to_be_outside_it(
    open_app, sample: Snapshot
) -> None:
    """A key keeps a burst; a day picked on the chart that the burst does not touch hides
    it: the page says so, not that nothing in the section is about the record."""
    burst = access.burst_windows(sample, load_policy()).iloc[0]
    kind = access.BURST_KEYS[burst["kind"]]
    other_day = str((burst["first"] - pd.Timedelta(days=30)).date())
    query = {"key": f"{kind}:{burst['subject']}", **picks("day", [other_day])}
    picked = open_app("dpo", first_page=ACCESS, query=query)
    said = [i.value for i in picked.info]
    # The sections after the bursts' (late logins, user-list views) may hold nothing of
    # this record and say so; the bursts' own section says why its burst is not shown.
    bursts_said = said.index("No burst touches the periods selected on the chart.")
    assert NOTHING_ABOUT_IT not in said[: bursts_said + 1]
