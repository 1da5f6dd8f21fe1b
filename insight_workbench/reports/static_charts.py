"""The printable copy of a chart: a static SVG drawn from the figure's data, or a table.

Printing needs no script and no browser drawing: bars, points and lines are drawn
here as plain SVG (plotly's own image export needs a browser runtime that may not be
there). A chart of another kind (a pie, a heat map) prints as a table of its data.
Every label is escaped: values from the data are text, never markup.

Drawing reads the figure's JSON with the standard library alone: the report's export
(the command line's process) loads pandas only for a chart printed as a table, or for
a time it cannot read as ISO 8601.
"""

from __future__ import annotations

import base64
import html
import math
import re
import struct
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

WIDTH, HEIGHT = 680, 300
TICK_CHARS = 20  # a tick's label is cut past this
LEFT, RIGHT, TOP, BOTTOM = 120, 140, 34, 56
PALETTE = ["#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a", "#19d3f3", "#ff6692"]
DRAWN = {"bar", "scatter"}
# plotly's typed arrays (`bdata`), little-endian, as struct formats.
TYPED_ARRAYS = {
    "i1": "b",
    "u1": "B",
    "i2": "h",
    "u2": "H",
    "i4": "i",
    "u4": "I",
    "i8": "q",
    "u8": "Q",
    "f4": "f",
    "f8": "d",
}
# An ISO 8601 date or time the standard library reads as pandas does.
ISO_INSTANT = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?(?:Z|[+-]\d{2}:\d{2})?"
)


def printable_chart(figure: dict[str, Any]) -> str:
    """The chart as an SVG, or (for kinds not drawn here) a table of its data."""
    traces = [t for t in figure.get("data") or [] if isinstance(t, dict)]
    title = _title(figure)
    if traces and all(t.get("type", "scatter") in DRAWN for t in traces):
        return _svg(traces, figure.get("layout") or {}, title)
    from insight_workbench.reports.tables import titled_table

    return titled_table(title or "Chart data", data_frame(traces))


def values(array: Any) -> list[Any]:
    """A trace's array as a list: plain JSON, or plotly's typed array (`bdata`)."""
    if isinstance(array, dict) and "bdata" in array:
        return _typed_array(array)
    if isinstance(array, list):
        return array
    return []


def _typed_array(array: dict[str, Any]) -> list[Any]:
    raw = base64.b64decode(array["bdata"])
    code = TYPED_ARRAYS.get(str(array["dtype"]))
    if code is None:
        return _typed_array_by_numpy(raw, array)
    flat = list(struct.unpack(f"<{len(raw) // struct.calcsize(code)}{code}", raw))
    shape = array.get("shape")
    dimensions = [int(n) for n in shape.split(",")] if isinstance(shape, str) else []
    if len(dimensions) > 2:
        return _typed_array_by_numpy(raw, array)
    if len(dimensions) == 2:  # a grid (a heat map's z): one list per row
        columns = dimensions[1]
        return [flat[row * columns : (row + 1) * columns] for row in range(dimensions[0])]
    return flat


def _typed_array_by_numpy(raw: bytes, array: dict[str, Any]) -> list[Any]:
    import numpy as np

    decoded = np.frombuffer(raw, dtype="<" + array["dtype"])
    shape = array.get("shape")
    if isinstance(shape, str):
        decoded = decoded.reshape([int(n) for n in shape.split(",")])
    return [v.tolist() if hasattr(v, "tolist") else v for v in decoded]


def data_frame(traces: list[dict[str, Any]]) -> pd.DataFrame:
    """What the chart shows, one row per point (a heat map: one row per y, x across)."""
    import pandas as pd

    from insight_workbench.reports.tables import cell_text

    if len(traces) == 1 and traces[0].get("type") == "heatmap":
        trace = traces[0]
        grid, text = values(trace.get("z")), values(trace.get("text"))
        # plotly shows a text's entities as the characters they stand for ("&lt;10": "<10")
        shown = [[html.unescape(str(v)) for v in row] for row in text] if text else grid
        grid_rows = {
            _label(y): [cell_text(v) for v in row]
            for y, row in zip(values(trace.get("y")), shown, strict=False)
        }
        return pd.DataFrame.from_dict(
            grid_rows, orient="index", columns=[_label(x) for x in values(trace.get("x"))]
        ).rename_axis("row")
    rows: list[dict[str, Any]] = []
    for trace in traces:
        labels = values(trace.get("labels")) or values(trace.get("x"))
        amounts = values(trace.get("values")) or values(trace.get("y"))
        series = _label(trace.get("name") or "")
        for name, amount in zip(labels, amounts, strict=False):
            label = _label(name) if isinstance(name, str) else name
            rows.append({"series": series, "label": label, "value": amount})
    return pd.DataFrame(rows, columns=["series", "label", "value"])


def _label(value: Any) -> str:
    """A label as plotly shows it: its entities (`&lt;`, given to plotly so that it reads
    no markup) as the characters they stand for; the table escapes it once, itself."""
    return html.unescape(str(value))


def _title(figure: dict[str, Any]) -> str:
    title = (figure.get("layout") or {}).get("title")
    text = title.get("text") if isinstance(title, dict) else title
    return str(text) if text else ""


class _Axis:
    """Numbers, times (as epoch seconds) or categories, mapped onto [start, end] pixels."""

    def __init__(
        self, data: list[Any], start: float, end: float, zero: bool = False, bands: bool = False
    ) -> None:
        self.start, self.end = start, end
        present = [v for v in data if _present(v)]
        self.kind = _kind(present)
        self.categories: list[str] = []
        self.days = False  # bands of times: labelled by their day, as a time axis is
        if bands and self.kind != "category":  # bars stand on bands, in the values' order
            present = sorted(set(present), key=self.number)
            self.days = self.kind == "time"
            self.kind = "category"
        if self.kind == "category":
            for value in present:
                if str(value) not in self.categories:
                    self.categories.append(str(value))
            self.low, self.high = 0.0, float(max(len(self.categories), 1))
            return
        numbers = [self.number(v) for v in present] or [0.0]
        self.low, self.high = min(numbers), max(numbers)
        if zero:
            self.low, self.high = min(self.low, 0.0), max(self.high, 0.0)
        if self.high == self.low:
            self.high = self.low + 1
        pad = 0.0 if zero else (self.high - self.low) * 0.05
        self.low, self.high = self.low - pad, self.high + pad

    def number(self, value: Any) -> float:
        if self.kind == "time":
            return _epoch_seconds(value)
        return float(value)

    def at(self, value: Any) -> float:
        """The pixel of a value (a category: the middle of its band)."""
        if self.kind == "category":
            position = self.categories.index(str(value)) + 0.5
        else:
            position = self.number(value)
        return self.start + (position - self.low) / (self.high - self.low) * (self.end - self.start)

    @property
    def band(self) -> float:
        return abs(self.end - self.start) / max(len(self.categories), 1)

    def ticks(self) -> list[tuple[float, str]]:
        if self.kind == "category":
            labels = [_day(_epoch_seconds(c)) if self.days else c for c in self.categories]
            # As many labels as fit side by side at 9px (about 5.5px a character).
            widest = min(max((len(label) for label in labels), default=1), TICK_CHARS)
            fit = max(1, int(abs(self.end - self.start) // (widest * 5.5 + 8)))
            step = max(1, math.ceil(len(labels) / fit))
            return [(self.at(c), label) for c, label in zip(self.categories, labels, strict=True)][
                ::step
            ]
        ticks = []
        for i in range(5):
            value = self.low + (self.high - self.low) * i / 4
            if self.kind == "time":
                text = _day(value)
            else:
                text = f"{value:,.0f}" if self.high - self.low >= 4 else f"{value:,.2f}"
            ticks.append((self.start + (self.end - self.start) * i / 4, text))
        return ticks


def _day(seconds: float) -> str:
    """A time axis's label; none where the axis, padded, runs past year 1 or 9999."""
    try:
        moment = datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError, OSError):
        return ""
    return f"{moment.year:04d}-{moment:%m-%d}"  # %Y drops a year's leading zeros


def _present(value: Any) -> bool:
    """Not a gap: None and NaN (a suppressed or missing value) are not drawn."""
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _kind(data: list[Any]) -> str:
    if data and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in data):
        return "number"
    if data and all(isinstance(v, str) and len(v) >= 10 and v[4] == v[7] == "-" for v in data):
        try:
            [_epoch_seconds(v) for v in data]
        except ValueError:
            return "category"
        return "time"
    return "category"


def _epoch_seconds(value: Any) -> float:
    """A time as seconds since the epoch (UTC when it names no offset); ValueError when
    it is not a time."""
    if isinstance(value, str) and ISO_INSTANT.fullmatch(value):
        moment = datetime.fromisoformat(value)
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
        return moment.timestamp()
    import pandas as pd

    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize(UTC) if stamp.tzinfo is None else stamp
    return float(stamp.timestamp())


def _colour(trace: dict[str, Any], index: int) -> str:
    colour = (trace.get("marker") or {}).get("color") or (trace.get("line") or {}).get("color")
    return colour if isinstance(colour, str) else PALETTE[index % len(PALETTE)]


def _text(
    x: float, y: float, text: str, anchor: str = "middle", extra: str = "", limit: int = TICK_CHARS
) -> str:
    text = html.unescape(text)  # plotly shows entities (`&lt;`) as their characters
    short = text if len(text) <= limit else text[: limit - 1] + "…"
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{html.escape(short)}</text>'
    )


def _svg(traces: list[dict[str, Any]], layout: dict[str, Any], title: str) -> str:
    horizontal = any(t.get("orientation") == "h" and t.get("type") == "bar" for t in traces)
    bars = [t for t in traces if t.get("type") == "bar"]
    xs = [v for t in traces for v in values(t.get("x"))]
    ys = [v for t in traces for v in values(t.get("y"))]
    grouped = layout.get("barmode") == "group"
    value_data = xs if horizontal else ys
    if bars and not grouped:  # stacked: the axis must reach each stack's total
        value_data = value_data + _stack_totals(bars, horizontal)
    has_bars = bool(bars)
    x_axis = _Axis(
        value_data if horizontal else xs,
        LEFT,
        WIDTH - RIGHT,
        zero=horizontal and has_bars,
        bands=has_bars and not horizontal,
    )
    y_axis = _Axis(
        ys if horizontal else value_data,
        HEIGHT - BOTTOM,
        TOP,
        zero=has_bars and not horizontal,
        bands=has_bars and horizontal,
    )
    parts = [_frame(x_axis, y_axis, title)]
    parts += _bars(bars, x_axis, y_axis, horizontal, grouped, traces)
    for index, trace in enumerate(traces):
        if trace.get("type", "scatter") == "scatter":
            parts.append(_points(trace, x_axis, y_axis, _colour(trace, index)))
    parts.append(_legend(traces))
    label = html.escape(title or "Chart")
    return (
        f'<svg class="static-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="{label}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" '
        f'font-size="10">{"".join(parts)}</svg>'
    )


def _stack_totals(bars: list[dict[str, Any]], horizontal: bool) -> list[float]:
    totals: dict[str, float] = {}
    for trace in bars:
        categories = values(trace.get("y" if horizontal else "x"))
        amounts = values(trace.get("x" if horizontal else "y"))
        for category, amount in zip(categories, amounts, strict=False):
            if isinstance(amount, (int, float)) and _present(amount):
                totals[str(category)] = totals.get(str(category), 0.0) + float(amount)
    return list(totals.values())


def _frame(x_axis: _Axis, y_axis: _Axis, title: str) -> str:
    parts = [_text(WIDTH / 2, 18, title, extra=' font-size="13" font-weight="bold"', limit=90)]
    parts.append(
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" '
        'stroke="#444"/>'
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}" stroke="#444"/>'
    )
    for x, text in x_axis.ticks():
        parts.append(_text(x, HEIGHT - BOTTOM + 14, text, extra=' font-size="9"'))
    for y, text in y_axis.ticks():
        parts.append(_text(LEFT - 6, y + 3, text, anchor="end", extra=' font-size="9"'))
    return "".join(parts)


def _bars(
    bars: list[dict[str, Any]],
    x_axis: _Axis,
    y_axis: _Axis,
    horizontal: bool,
    grouped: bool,
    traces: list[dict[str, Any]],
) -> list[str]:
    category_axis, value_axis = (y_axis, x_axis) if horizontal else (x_axis, y_axis)
    width = category_axis.band * 0.8 / (len(bars) if grouped and bars else 1)
    stacked: dict[str, float] = {}
    parts = []
    for number, trace in enumerate(bars):
        colour = _colour(trace, traces.index(trace))
        categories = values(trace.get("y" if horizontal else "x"))
        amounts = values(trace.get("x" if horizontal else "y"))
        for category, amount in zip(categories, amounts, strict=False):
            if not isinstance(amount, (int, float)) or not _present(amount):
                continue
            base = 0.0 if grouped else stacked.get(str(category), 0.0)
            stacked[str(category)] = base + float(amount)
            middle = category_axis.at(category)
            offset = (number - (len(bars) - 1) / 2) * width if grouped else 0.0
            low, high = sorted((value_axis.at(base), value_axis.at(base + float(amount))))
            near = middle + offset - width / 2
            box = (low, near, high - low, width) if horizontal else (near, low, width, high - low)
            parts.append(
                f'<rect x="{box[0]:.1f}" y="{box[1]:.1f}" width="{box[2]:.1f}" '
                f'height="{box[3]:.1f}" fill="{html.escape(colour)}"/>'
            )
    return parts


def _points(trace: dict[str, Any], x_axis: _Axis, y_axis: _Axis, colour: str) -> str:
    pairs = [
        (x_axis.at(x), y_axis.at(y))
        for x, y in zip(values(trace.get("x")), values(trace.get("y")), strict=False)
        if _present(x) and _present(y)
    ]
    mode = str(trace.get("mode") or "markers")
    colour = html.escape(colour)
    parts = []
    if "lines" in mode and len(pairs) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pairs)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
    if "markers" in mode:
        parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>' for x, y in pairs]
    return "".join(parts)


def _legend(traces: list[dict[str, Any]]) -> str:
    named = [(t.get("name"), _colour(t, i)) for i, t in enumerate(traces) if t.get("name")]
    parts = []
    for row, (name, colour) in enumerate(named[:16]):
        y = TOP + 8 + row * 14
        parts.append(
            f'<rect x="{WIDTH - RIGHT + 12}" y="{y - 8}" width="10" height="10" '
            f'fill="{html.escape(colour)}"/>' + _text(WIDTH - RIGHT + 27, y, str(name), "start")
        )
    return "".join(parts)
