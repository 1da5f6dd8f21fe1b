"""Plotly figures for the app: small builders over frames the library returns."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from pandas.api.types import is_datetime64_any_dtype, is_numeric_dtype

from insight_workbench.column_words import in_words
from insight_workbench.terminal import controls_shown

SEVERITY_COLOURS = {"high": "#c0392b", "medium": "#e67e22", "low": "#f1c40f"}
LAYOUT = {"margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "height": 360}


def _layout(figure: go.Figure, title: str) -> go.Figure:
    """`title` may name a value of the snapshot (a dataset): shown as itself, as a label."""
    figure.update_layout(title=_text(title), **LAYOUT)
    return figure


def _text(value: object) -> str:
    """A label as itself: plotly reads `<br>`, `<a href>` and `<span style>` in any text
    of a chart as markup, but shows entities as the characters they stand for; a bidi
    override or a control is shown as its escape, as in the app's tables."""
    text = controls_shown(str(value))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def labels_of(values: Iterable[object]) -> dict[str, str]:
    """Each value by its label on a chart: a point selected on an axis of ids gives its
    label back, which for an id holding `&`, `<`, `>` or a control is not the id."""
    return {_text(value): str(value) for value in values}


def _shown(frame: pd.DataFrame, keep: list[str] | None = None) -> pd.DataFrame:
    """`frame` with every text cell made a label as itself (but the `keep` columns, read
    back as they are when a point is selected)."""
    texts = {
        column: frame[column].map(lambda v: _text(v) if isinstance(v, str) else v)
        for column in frame.columns
        if column not in (keep or []) and pd.api.types.is_string_dtype(frame[column])
    }
    return frame.assign(**texts) if texts else frame


def _words(frame: pd.DataFrame) -> dict[str, str]:
    """Each column's name as a reader sees it on an axis, in the legend and on hover:
    `rows_held` reads "Rows held", `org_id` "Organisation ID"."""
    return {str(c): in_words(str(c)) for c in frame.columns}


def findings_by_family(counts: pd.DataFrame, rules: dict[str, str] | None = None) -> go.Figure:
    """Stacked bars: findings per family, coloured by severity; `rules` (the family's
    rules in words, by family) is shown on hover."""
    described = rules or {}
    # A list, not `.map(...).fillna("")`: with no findings the mapped column is float.
    named = counts.assign(rules=[described.get(family, "") for family in counts["family"]])
    figure = px.bar(
        _shown(named),
        x="family",
        y="findings",
        color="severity",
        color_discrete_map=SEVERITY_COLOURS,
        category_orders={"severity": list(SEVERITY_COLOURS)},
        hover_data={"rules": bool(rules)},
        labels=_words(named),
    )
    return _layout(figure, "Findings by family and severity")


STATE_COLOURS = {
    "overdue": "#c0392b",
    "due now": "#e67e22",
    "upcoming": "#2e86c1",
    "nothing held": "#95a5a6",
}


def timeline(
    frame: pd.DataFrame,
    x: str,
    y: str,
    colour: str,
    title: str,
    hover: list[str] | None = None,
    custom: list[str] | None = None,
    marked: datetime | None = None,
) -> go.Figure:
    """Points on a date axis, one row per item (due dates, events); `custom` columns ride
    along with each point (a record id, read back when the point is selected); `marked`,
    a moment the caller draws a line at, is kept on the axis."""
    figure = px.scatter(
        _shown(frame, custom),
        x=x,
        y=y,
        color=colour,
        hover_data=hover,
        custom_data=custom,
        color_discrete_map=STATE_COLOURS,
        color_discrete_sequence=px.colors.qualitative.Set1,
        labels=_words(frame),
    )
    figure.update_traces(marker={"size": 11})
    figure.update_yaxes(title=None)  # each point's label says what it is
    _widen_a_narrow_span(figure, frame[x], marked)
    return _layout(figure, title)


def _widen_a_narrow_span(
    figure: go.Figure, moments: pd.Series, marked: datetime | None = None
) -> None:
    """Points (and the `marked` moment the caller draws a line at) all within a day:
    plotly would span a millisecond around one moment, its ticks fractions of a second.
    The axis then runs from three days before the first to three days after the last."""
    points = moments.dropna()
    if not is_datetime64_any_dtype(moments) or points.empty:
        return
    present = [*points, *([pd.Timestamp(marked)] if marked is not None else [])]
    try:
        first, last = min(present), max(present)
    except TypeError:  # naive times beside a zoned mark: plotly's own axis
        return
    if last - first < pd.Timedelta(days=1):
        margin = pd.Timedelta(days=3)
        figure.update_xaxes(range=[first - margin, last + margin])


def bars(
    frame: pd.DataFrame,
    x: str,
    y: str,
    title: str,
    colour: str | None = None,
    horizontal: bool = False,
    colours: dict[str, str] | None = None,
) -> go.Figure:
    """Bars of `y` by `x` (stacked by `colour`, with fixed `colours` per value if given)."""
    axes = {"x": y, "y": x, "orientation": "h"} if horizontal else {"x": x, "y": y}
    figure = px.bar(
        _shown(frame),
        color=colour,
        color_discrete_map={_text(k): v for k, v in (colours or {}).items()},
        labels=_words(frame),
        **axes,
    )
    if _is_text(frame[x]):  # ids: `0012` and `12` are two bars, never one number
        (figure.update_yaxes if horizontal else figure.update_xaxes)(type="category")
    return _layout(figure, title)


def _is_text(column: pd.Series) -> bool:
    return not (is_numeric_dtype(column) or is_datetime64_any_dtype(column))


def lines(frame: pd.DataFrame, x: str, y: str, title: str, colour: str | None = None) -> go.Figure:
    figure = px.line(_shown(frame), x=x, y=y, color=colour, markers=True, labels=_words(frame))
    return _layout(figure, title)


def heatmap(
    frame: pd.DataFrame, x: str, y: str, value: str, title: str, text: str | None = None
) -> go.Figure:
    """A grid of `value` by x and y; `text` labels cells (e.g. "<10" where suppressed).
    Every x and y of `frame` stays, even one whose cells are all gaps (all suppressed)."""
    grid = frame.pivot_table(
        index=y, columns=x, values=value, aggfunc="first", sort=False, dropna=False
    )
    labels = None
    if text is not None:
        labels = (
            frame.pivot_table(
                index=y, columns=x, values=text, aggfunc="first", sort=False, dropna=False
            )
            .reindex_like(grid)
            .fillna("")
            .map(_text)
            .values
        )
    figure = go.Figure(
        go.Heatmap(
            z=grid.values,
            x=[_text(c) for c in grid.columns],
            y=[_text(i) for i in grid.index],
            text=labels,
            texttemplate="%{text}" if labels is not None else None,
            colorscale="Blues",
            hoverongaps=False,
        )
    )
    return _layout(figure, title)


PASS, FAIL = "#1e8449", "#c0392b"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def over_time(
    frame: pd.DataFrame, x: str, y: str, title: str, y_title: str, percent: bool = False
) -> go.Figure:
    """A line over a date axis (typed as dates, never guessed); gaps stay gaps."""
    figure = px.line(_shown(frame), x=x, y=y, markers=len(frame) <= 60, labels=_words(frame))
    figure.update_xaxes(type="date", title=None)
    figure.update_yaxes(title=y_title, rangemode="tozero", tickformat=".0%" if percent else None)
    figure.update_traces(connectgaps=False)
    return _layout(figure, title)


def pass_fail_bars(
    frame: pd.DataFrame, x: str, y: str, passed: str, k: int, title: str
) -> go.Figure:
    """Bars coloured by a pass/fail column in fixed colours with the words in the legend,
    and the threshold `k` drawn as a line between the sizes that fail and those that pass."""
    verdict = frame[passed].map({True: "passes (k or more)", False: "fails (below k)"})
    figure = px.bar(
        _shown(frame).assign(verdict=verdict),
        x=x,
        y=y,
        color="verdict",
        color_discrete_map={"passes (k or more)": PASS, "fails (below k)": FAIL},
        category_orders={"verdict": ["fails (below k)", "passes (k or more)"]},
        labels={"verdict": "Check"},
    )
    figure.add_vline(x=k - 0.5, line_dash="dash", line_color="#1f2933", annotation_text=f"k = {k}")
    figure.update_xaxes(type="linear", dtick=1 if frame[x].max() <= 30 else None)
    return _layout(figure, title)


def ranked_bars(
    frame: pd.DataFrame, label: str, value: str, text: str, title: str, colour: str | None = None
) -> go.Figure:
    """Horizontal bars in the frame's order, first row on top, each labelled with `text`."""
    order = list(dict.fromkeys(frame[label].map(_text)))
    figure = px.bar(
        _shown(frame).assign(**{label: frame[label].map(_text)}),
        x=value,
        y=label,
        color=colour,
        text=text,
        orientation="h",
        category_orders={label: order},
        labels=_words(frame),
    )
    figure.update_yaxes(type="category", title=None)  # plotly express puts the first on top
    figure.update_traces(textposition="outside", cliponaxis=False)
    return _layout(figure, title).update_layout(height=max(240, 60 + 28 * len(order)))


def category_heatmap(
    grid: pd.DataFrame, title: str, x_title: str, y_title: str, percent: bool = False
) -> go.Figure:
    """A heatmap over a ready grid (rows = y labels, columns = x labels), both axes typed
    as categories so labels that look like dates or numbers are never rescaled."""
    figure = go.Figure(
        go.Heatmap(
            z=grid.values,
            x=[_text(c) for c in grid.columns],
            y=[_text(i) for i in grid.index],
            colorscale="Blues",
            hoverongaps=False,
            zmin=0,
            zmax=1 if percent else None,  # a share's colour means the same in any grid
            colorbar={"tickformat": ".0%"} if percent else None,
        )
    )
    figure.update_xaxes(type="category", title=x_title)
    figure.update_yaxes(type="category", title=y_title, autorange="reversed")
    return _layout(figure, title)


DAY_MS = 86_400_000  # a date axis counts in milliseconds
# A period a burst touched is coloured whole (its other failures too): the legend says
# "with a burst" of the period, never "in a burst" of each failure.
WITH_A_BURST = "with a burst"
BURST_COLOURS = {WITH_A_BURST: FAIL, "without": "#7f8c8d"}


def burst_words(in_burst: pd.Series) -> pd.Series:
    """`in_burst` (True/False) as a legend says it."""
    return in_burst.map({True: WITH_A_BURST, False: "without"})


def failed_logins_per_day(frame: pd.DataFrame, title: str) -> go.Figure:
    """Failed logins (`failed_logins`) per day (`period`, UTC) on a date axis, the days a
    burst touched (`in_burst`) in the failure colour."""
    figure = bars(
        frame.assign(burst=burst_words(frame["in_burst"])),
        "period",
        "failed_logins",
        title,
        colour="burst",
        colours=BURST_COLOURS,
    )
    figure.update_xaxes(type="date", title=None)
    days = pd.to_datetime(frame["period"], utc=True).drop_duplicates()
    if len(days) == 1:  # one day: plotly would draw a bar 1 ms wide, its axis in ms
        day = days.iloc[0].tz_localize(None)
        figure.update_traces(width=0.8 * DAY_MS)
        figure.update_xaxes(range=[day - pd.Timedelta(days=1), day + pd.Timedelta(days=1)])
        figure.update_xaxes(dtick=DAY_MS, tickformat="%-d %b %Y")
    return figure
