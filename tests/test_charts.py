"""Plotly figure builders: the data they are given is what they draw."""

from __future__ import annotations

import math

import pandas as pd

from insight_workbench import charts


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
    assert figure.data[0].text[0][1] == "<10"


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
