"""Plotly figures for the app: small builders over frames the library returns."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

SEVERITY_COLOURS = {"high": "#c0392b", "medium": "#e67e22", "low": "#f1c40f"}
LAYOUT = {"margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "height": 360}


def _layout(figure: go.Figure, title: str) -> go.Figure:
    figure.update_layout(title=title, **LAYOUT)
    return figure


def findings_by_family(counts: pd.DataFrame) -> go.Figure:
    """Stacked bars: findings per family, coloured by severity."""
    figure = px.bar(
        counts,
        x="family",
        y="findings",
        color="severity",
        color_discrete_map=SEVERITY_COLOURS,
        category_orders={"severity": list(SEVERITY_COLOURS)},
    )
    return _layout(figure, "Findings by family and severity")


STATE_COLOURS = {"overdue": "#c0392b", "upcoming": "#2e86c1", "nothing held": "#95a5a6"}


def timeline(
    frame: pd.DataFrame, x: str, y: str, colour: str, title: str, hover: list[str] | None = None
) -> go.Figure:
    """Points on a date axis, one row per item (due dates, events)."""
    figure = px.scatter(
        frame,
        x=x,
        y=y,
        color=colour,
        hover_data=hover,
        color_discrete_map=STATE_COLOURS,
        color_discrete_sequence=px.colors.qualitative.Set1,
    )
    figure.update_traces(marker={"size": 11})
    return _layout(figure, title)


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
    figure = px.bar(frame, color=colour, color_discrete_map=colours or {}, **axes)
    return _layout(figure, title)


def lines(frame: pd.DataFrame, x: str, y: str, title: str, colour: str | None = None) -> go.Figure:
    figure = px.line(frame, x=x, y=y, color=colour, markers=True)
    return _layout(figure, title)


def heatmap(
    frame: pd.DataFrame, x: str, y: str, value: str, title: str, text: str | None = None
) -> go.Figure:
    """A grid of `value` by x and y; `text` labels cells (e.g. "<10" where suppressed)."""
    grid = frame.pivot_table(index=y, columns=x, values=value, aggfunc="first", sort=False)
    labels = None
    if text is not None:
        labels = (
            frame.pivot_table(index=y, columns=x, values=text, aggfunc="first", sort=False)
            .reindex_like(grid)
            .fillna("")
            .astype(str)
            .values
        )
    figure = go.Figure(
        go.Heatmap(
            z=grid.values,
            x=[str(c) for c in grid.columns],
            y=[str(i) for i in grid.index],
            text=labels,
            texttemplate="%{text}" if labels is not None else None,
            colorscale="Blues",
            hoverongaps=False,
        )
    )
    return _layout(figure, title)
