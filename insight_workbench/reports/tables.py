"""Tables as a reader sees them: labelled columns, no row numbers, blanks for nothing.

A report's tables are frames from the library; shown as pandas shows them they carry
the row index, `NaN`/`NaT`/`None` and raw column names. `table_html` turns a frame into
an HTML table with human labels, every missing value shown as "—", times in UTC,
booleans as yes/no, and every value escaped (data is text, never markup).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Any

import pandas as pd

from insight_workbench.column_words import in_words
from insight_workbench.terminal import controls_shown
from insight_workbench.timeutil import iso_day, iso_minute

BLANK = "—"
# Labels where the column name alone would read badly; others are humanised.
LABELS = {
    "key": "Finding",
    "org_id": "Organisation ID",
    "due": "Due",
    "due_at": "Due at",
    "rows_held": "Rows held",
    "k": "k",
    "dau": "Daily active users",
    "wau": "Weekly active users",
    "mau": "Monthly active users",
}
ISO_UTC = re.compile(r"\A(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(:\d\d(\.\d+)?)?Z\Z")
# Tables with more columns than this print on a landscape page of their own.
WIDE = 7
# Tables with no more rows than this are never split across pages.
SHORT = 12
# A value without a space up to this long stays on one line.
NO_BREAK = 16
LONG_WORD = 30  # characters: longer than a column of a printed table can hold


def label(column: Any) -> str:
    """A column's heading: from LABELS, else its name with words and acronyms restored."""
    if isinstance(column, tuple):  # a pivot's several levels
        return " ".join(label(part) for part in column if str(part))
    name = str(column)
    return LABELS.get(name) or in_words(name)


def cell_text(value: Any) -> str:
    """One value as text: missing values blank, times in UTC to the minute, dates alone."""
    if value is None or value is pd.NaT or value is pd.NA:
        return BLANK
    if isinstance(value, float) and math.isnan(value):
        return BLANK
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "yes" if value else "no"
    if isinstance(value, datetime):
        if value.tzinfo is None:  # a calendar date held as a time: the date alone
            return iso_day(value) if value.time() == time() else iso_minute(value)
        return iso_minute(value.astimezone(UTC)) + " UTC"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        # At most two decimals, without trailing zeros: tenths of a day read 91.3, not 91.30
        text = str(int(value)) if value.is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    if isinstance(value, (list, tuple, set)):
        return ", ".join(cell_text(v) for v in value) or BLANK
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return cell_text(value.item())
    text = str(value)
    iso = ISO_UTC.match(text)
    if iso:
        return f"{iso[1]} {iso[2]} UTC"
    # A control or bidi override from the export as its escape, as in the app's tables.
    return controls_shown(text) if text.strip() else BLANK


def _plain_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The index becomes columns when it means something (a pivot's rows); a plain
    row number is dropped."""
    if isinstance(frame.index, pd.RangeIndex) or frame.index.names == [None]:
        return frame.reset_index(drop=True)
    flat = frame.reset_index()
    flat.columns.name = None
    return flat


def _is_number(values: Iterable[Any]) -> bool:
    present = [v for v in values if cell_text(v) != BLANK]
    return bool(present) and all(
        (isinstance(v, (int, float)) and not isinstance(v, bool))
        or type(v).__name__.startswith(("int", "float"))
        for v in present
    )


def table_html(frame: pd.DataFrame) -> str:
    """The frame as an HTML table: labelled head, escaped cells, numbers to the right."""
    flat = _plain_columns(frame)
    columns = list(flat.columns)
    numeric = [_is_number(flat.iloc[:, i].tolist()) for i in range(len(columns))]
    classes = ["report-table"]
    if len(columns) > WIDE:
        classes.append("wide")
    if len(flat) <= SHORT:
        classes.append("short")
    head = "".join(f"<th>{html.escape(controls_shown(label(c)))}</th>" for c in columns)
    rows = []
    for record in flat.itertuples(index=False, name=None):
        cells = "".join(
            _cell(cell_text(v), number) for v, number in zip(record, numeric, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    return (
        f'<table class="{" ".join(classes)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _cell(text: str, number: bool) -> str:
    """A cell; a short word (a code, an id, a number) is never broken across lines, and
    a word too long for any page (an id or value from the export with no space in it)
    may break anywhere: otherwise it widens its table past the page."""
    classes = (["num"] if number else []) + (
        ["nw"] if len(text) <= NO_BREAK and " " not in text else []
    )
    if max(map(len, text.split()), default=0) > LONG_WORD:
        classes.append("brk")
    attribute = f' class="{" ".join(classes)}"' if classes else ""
    return f"<td{attribute}>{html.escape(text)}</td>"


def titled_table(title: str, frame: pd.DataFrame) -> str:
    """A table under its title, kept together when printed; "Nothing to list." when it is empty."""
    count = "1 row" if len(frame) == 1 else f"{len(frame)} rows"
    heading = f'<h4 class="table-title">{html.escape(title)} <span>({count})</span></h4>'
    if not len(frame):
        empty = '<p class="empty">Nothing to list.</p>'
        return f'<section class="titled-table short">{heading}{empty}</section>'
    classes = ["titled-table"]
    classes += ["wide"] if len(_plain_columns(frame).columns) > WIDE else []
    classes += ["short"] if len(frame) <= SHORT else []
    return f'<section class="{" ".join(classes)}">{heading}{table_html(frame)}</section>'
