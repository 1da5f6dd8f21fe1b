"""Clicking a chart selects what is behind it: the organisations of a timeline, the requests
of a deadline chart, the days of failed logins, a feature's rows.

What is chosen lives in the address as `pick=KIND:VALUE` (repeatable: `pick=org:O8&
pick=org:O17`), so a link reproduces the selection. `from_event` (plain Python, tested
without a browser) turns a plotly selection event into those values; `chart` draws a
chart whose selection is written to the address; `narrow` filters a table to it and
`clear_control` says how many are chosen, with a button to drop them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from insight_workbench import charts

PARAM = "pick"
# Where a point's value is read: its custom data (the record id the chart carries),
# or its position on the x or y axis (a bar's category).
FIELDS = ("customdata", "x", "y")
Mode = Literal["points", "box", "lasso"]


def from_event(event: Mapping[str, Any] | None, field: str) -> list[str]:
    """The distinct values of `field` of the selected points, in the order chosen. A day
    on a date axis is its date alone (`2026-11-03`, whatever the time part)."""
    if field not in FIELDS:
        raise ValueError(f"field must be one of {', '.join(FIELDS)}")
    selection = (event or {}).get("selection") or {}
    found: list[str] = []
    for point in selection.get("points") or []:
        value = point.get(field)
        if isinstance(value, list | tuple):
            value = value[0] if value else None
        if value is None or str(value) == "":
            continue
        text = _plain(value)
        if text not in found:
            found.append(text)
    return found


def _plain(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an hour of the day, sent back as 5.0
    return str(value)


def day_of(text: str) -> str:
    """`2026-11-03 00:00` or `2026-11-03T00:00:00Z` -> `2026-11-03`."""
    return text.strip()[:10]


def chosen(kind: str) -> list[str]:
    """The values of `kind` the address picks (`pick=org:O8` -> `O8` for `org`)."""
    prefix = f"{kind}:"
    return [v.removeprefix(prefix) for v in st.query_params.get_all(PARAM) if v.startswith(prefix)]


def write(kind: str, values: Sequence[str]) -> None:
    """Replace the address's picks of `kind` by `values` (none: drop them)."""
    others = [v for v in st.query_params.get_all(PARAM) if not v.startswith(f"{kind}:")]
    picks = others + [f"{kind}:{v}" for v in values]
    if picks:
        st.query_params[PARAM] = picks
    else:
        st.query_params.pop(PARAM, None)


def narrow(
    frame: pd.DataFrame, column: str, values: Iterable[str]
) -> tuple[pd.DataFrame, list[str]]:
    """`frame` narrowed to the rows whose `column` is one of `values`, and the values that
    name a row (a value naming none is ignored, as a filter ignores an unknown choice; none
    left means no narrowing)."""
    present = set(frame[column].astype(str)) if column in frame.columns else set()
    kept = [v for v in values if v in present]
    if not kept:
        return frame, []
    return frame[frame[column].astype(str).isin(kept)], kept


def chart(
    figure: go.Figure,
    key: str,
    kind: str,
    field: str,
    *,
    mode: Sequence[Mode] = ("points", "box"),
    convert: Callable[[str], str] = str,
) -> None:
    """Draw `figure`; choosing points on it writes their `field` values (after `convert`)
    to the address as picks of `kind`. Choosing nothing (a click on the background)
    keeps what was chosen: the clear control drops it."""

    def picked() -> None:
        values = [convert(v) for v in from_event(st.session_state.get(key), field)]
        if values:
            write(kind, list(dict.fromkeys(values)))

    values = set(chosen(kind))
    if values:  # a figure may be shared (`session.drawn`): mark a copy
        figure = go.Figure(figure)
        highlight(figure, field, values, convert)
    st.plotly_chart(figure, key=key, on_select=picked, selection_mode=list(mode))


def highlight(
    figure: go.Figure, field: str, values: set[str], convert: Callable[[str], str] = str
) -> None:
    """Mark the points whose `field` is one of `values` as selected (the others are
    dimmed), so a link with a selection shows it on the chart too."""
    if not values:
        return
    for trace in figure.data:
        column = getattr(trace, field, None)
        if column is None:
            continue
        shown = [convert(_plain(_first(v))) for v in column]
        trace.selectedpoints = [i for i, v in enumerate(shown) if v in values]


def by_label(ids: Iterable[object]) -> Callable[[str], str]:
    """`convert` for a chart whose axis shows record ids as labels: each label read back
    from a point as the id it shows (`charts.labels_of`)."""
    back = charts.labels_of(ids)
    return lambda label: back.get(label, label)


def _first(value: Any) -> Any:
    """A point's custom data is a row of values: the record id is its first."""
    if isinstance(value, str) or not hasattr(value, "__len__"):
        return value
    return value[0] if len(value) else None


def clear_control(kind: str, chosen_now: Sequence[str], noun: str, key: str) -> None:
    """ "3 selected — clear": how many the chart's selection keeps, and a button to show
    everything again."""
    if not chosen_now:
        return
    left, right = st.columns([4, 1], vertical_alignment="center")
    count = len(chosen_now)
    left.info(
        f"{count} {noun if count == 1 else noun + 's'} selected on the chart: the table below "
        "shows only these."
    )
    right.button("Clear the selection", key=key, on_click=write, args=(kind, []))
