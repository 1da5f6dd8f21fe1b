"""Report tables and the printable copies of charts: labelled, blank for nothing, escaped."""

from __future__ import annotations

import base64
import itertools
import json
import math
import re
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest

from insight_workbench.reports.static_charts import printable_chart, values
from insight_workbench.reports.tables import BLANK, cell_text, label, table_html, titled_table


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, BLANK),
        (math.nan, BLANK),
        (pd.NaT, BLANK),
        (pd.NA, BLANK),
        (np.float64("nan"), BLANK),
        ("", BLANK),
        (True, "yes"),
        (np.bool_(False), "no"),
        (3.0, "3"),
        (2.5, "2.5"),
        (91.3, "91.3"),  # tenths of a day, as the retention table counts them
        (0.432, "0.43"),
        (-0.004, "0"),
        (np.int64(7), "7"),
        (date(2026, 11, 1), "2026-11-01"),
        (datetime(2026, 11, 1, 13, 5, tzinfo=UTC), "2026-11-01 13:05 UTC"),
        (pd.Timestamp("2026-11-01 14:05", tz="Europe/London"), "2026-11-01 14:05 UTC"),
        (pd.Timestamp("2026-11-01"), "2026-11-01"),
        (pd.Timestamp("2026-11-01 09:30"), "2026-11-01 09:30"),
        ("2026-10-13T16:30:00Z", "2026-10-13 16:30 UTC"),
        (["a", None], f"a, {BLANK}"),
        ("org:O0002", "org:O0002"),
        ("O9\u202egro.di", "O9\\u202egro.di"),  # a bidi override as its code
        ("red\x1b[31m", "red\\x1b[31m"),
    ],
)
def test_each_value_reads_plainly(value: object, shown: str) -> None:
    assert cell_text(value) == shown


@pytest.mark.parametrize(
    ("column", "heading"),
    [
        ("due_at", "Due at"),
        ("rows_held", "Rows held"),
        ("days_overdue", "Days overdue"),
        ("request_id", "Request ID"),
        ("org_id", "Organisation ID"),
        ("DEID-001", "DEID-001"),
        (("findings", "high"), "Findings High"),
    ],
)
def test_columns_have_human_labels(column: object, heading: str) -> None:
    assert label(column) == heading


def test_a_table_has_no_row_numbers_and_no_markup_from_data() -> None:
    frame = pd.DataFrame(
        {"rule": ["RET-001", "<b>x</b>"], "due_at": [pd.NaT, None], "rows_held": [3, 4]},
        index=[10, 11],
    )
    table = table_html(frame)
    assert "<th>Rule</th><th>Due at</th><th>Rows held</th>" in table
    assert ">10<" not in table
    assert ">11<" not in table
    assert "&lt;b&gt;x&lt;/b&gt;" in table
    assert "<b>" not in table
    assert table.count(BLANK) == 2
    assert '<td class="num nw">4</td>' in table


def test_a_pivot_keeps_its_row_labels_as_columns() -> None:
    frame = pd.DataFrame({"as_of": ["a", "a"], "family": ["x", "y"], "n": [1, 2]})
    pivot = frame.pivot_table(index="as_of", columns="family", values="n", aggfunc="sum")
    assert "<th>As of</th><th>X</th><th>Y</th>" in table_html(pivot)


def test_an_empty_table_says_none_and_a_wide_one_is_marked() -> None:
    assert '<p class="empty">Nothing to list.</p>' in titled_table("T", pd.DataFrame(columns=["a"]))
    wide = pd.DataFrame([dict.fromkeys("abcdefgh", 1)])
    assert 'class="titled-table wide short"' in titled_table("T", wide)


def test_typed_arrays_are_decoded() -> None:
    data = base64.b64encode(np.array([1, 2, 3], dtype="<i2").tobytes()).decode()
    assert values({"dtype": "i2", "bdata": data}) == [1, 2, 3]
    grid = base64.b64encode(np.arange(4, dtype="<f8").tobytes()).decode()
    assert values({"dtype": "f8", "bdata": grid, "shape": "2, 2"}) == [[0.0, 1.0], [2.0, 3.0]]


def test_bars_and_points_become_an_svg_without_gaps_drawn() -> None:
    figure = {
        "data": [
            {"type": "bar", "name": "a", "x": ["p", "q"], "y": [1, 2]},
            {"type": "scatter", "mode": "lines+markers", "x": ["p", "q"], "y": [None, math.nan]},
        ],
        "layout": {"title": {"text": "Chart <title>"}},
    }
    svg = printable_chart(figure)
    assert svg.startswith('<svg class="static-chart"')
    assert svg.count("<rect") == 2 + 1  # two bars and one legend key
    assert "<circle" not in svg  # both points are gaps
    assert "Chart &lt;title&gt;" in svg
    assert "nan" not in svg


def test_a_printed_label_shows_its_characters_once_escaped() -> None:
    """The app's chart builders give plotly entities (`&lt;`), which it shows as the
    characters: the printed copy escaped them again and printed `O1&lt;img`."""
    from insight_workbench import charts

    frame = pd.DataFrame({"org": ["O1<img src=x>", "A&B"], "rows": [3, 4]})
    figure = json.loads(charts.bars(frame, "org", "rows", "Rows").to_json())
    svg = printable_chart(figure)
    assert "O1&lt;img" in svg
    assert "A&amp;B" in svg
    assert "&amp;lt;" not in svg
    assert "&amp;amp;" not in svg


def test_a_word_too_long_for_a_page_may_break_anywhere_a_short_one_never() -> None:
    frame = pd.DataFrame({"subject": ["x" * 60, "U000001"], "note": ["two words", "a b"]})
    html_table = table_html(frame)
    assert f'<td class="brk">{"x" * 60}</td>' in html_table
    assert '<td class="nw">U000001</td>' in html_table


def test_a_chart_of_another_kind_prints_as_its_data() -> None:
    pie = {"data": [{"type": "pie", "labels": ["x", "y"], "values": [3, 4]}], "layout": {}}
    printed = printable_chart(pie)
    assert "<table" in printed
    assert "<svg" not in printed
    assert "<td>x</td>" in printed or '<td class="nw">x</td>' in printed


@pytest.mark.parametrize("days", [["0001-01-01", "0001-01-08"], ["9999-12-24", "9999-12-31"]])
def test_a_time_axis_at_the_calendar_s_ends_still_prints(days: list[str]) -> None:
    """A report as of year 1 draws weeks at the calendar's edge: the axis's ticks past
    it have no label rather than failing the report."""
    figure = {"data": [{"type": "scatter", "x": days, "y": [1, 2]}], "layout": {}}
    svg = printable_chart(figure)
    assert svg.startswith('<svg class="static-chart"')
    assert f">{days[0][:8]}" in svg  # the ticks within the calendar are labelled, as days


def test_a_heat_map_keeps_an_hour_whose_cells_are_all_suppressed() -> None:
    """A fixed grid shows every label: an hour with only suppressed cells keeps its column,
    and the printed copy shows each cell's count or its marker."""
    from insight_workbench import charts

    frame = pd.DataFrame(
        [
            {"weekday": day, "hour": hour, "logins": math.nan if hour == 9 else hour}
            for day in (1, 2)
            for hour in range(24)
        ]
    )
    shown = frame["logins"].map(lambda v: "<10" if math.isnan(v) else str(int(v)))
    figure = charts.heatmap(frame.assign(shown=shown), "hour", "weekday", "logins", "t", "shown")
    assert list(figure.data[0].x) == [str(hour) for hour in range(24)]
    printed = printable_chart(json.loads(figure.to_json()))
    assert printed.count(">&lt;10</td>") == 2  # one per weekday, escaped once
    assert ">23</td>" in printed


def test_a_printed_axis_of_many_bars_shows_labels_that_fit_side_by_side() -> None:
    """Bars over 200 days labelled every ninth day with its whole timestamp overlapped
    into one grey band: the labels are days, spaced so that none overlaps the next."""
    days = pd.date_range("2026-05-01", periods=200, freq="D")
    figure = {
        "data": [{"type": "bar", "x": [f"{d:%Y-%m-%d}T00:00:00" for d in days], "y": [1] * 200}],
        "layout": {},
    }
    svg = printable_chart(figure)
    tick = r'<text x="([\d.]+)" y="[\d.]+" text-anchor="middle" font-size="9">([^<]*)</text>'
    ticks = re.findall(tick, svg)
    assert ticks[0][1] == "2026-05-01"
    assert all(len(label) == 10 for _, label in ticks)  # days, not timestamps
    xs = [float(x) for x, _ in ticks]
    assert min(b - a for a, b in itertools.pairwise(xs)) >= 10 * 5.5  # none overlaps


def test_a_chart_printed_as_a_table_shows_its_labels_once_escaped() -> None:
    from insight_workbench import charts

    grid = pd.DataFrame([[3]], index=["R&D <team>"], columns=["A&B"])
    figure = json.loads(charts.category_heatmap(grid, "T", "kind", "team").to_json())
    printed = printable_chart(figure)
    assert "A&amp;B" in printed
    assert "R&amp;D &lt;team&gt;" in printed
    assert "&amp;amp;" not in printed


def test_a_heading_from_the_data_shows_a_bidi_override_as_its_code() -> None:
    """A pivot's columns may come from the export (an organisation's name)."""
    assert "<th>Evil\\u202egro.di</th>" in table_html(pd.DataFrame({"evil\u202egro.di": [1]}))
