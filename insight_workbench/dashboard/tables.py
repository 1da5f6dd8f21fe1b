"""One way to show a table in the app: human column labels, one date format in London
time, whole days, status and severity as coloured badges (the word and a colour), the key
and status columns first, a height that fits the rows, and the app's own download.

`prepare` is plain pandas (tested without Streamlit); `show` renders it. The download is
the workbench's one CSV writer (`csvsafe`): formula-safe cells and timestamps in UTC, so
a spreadsheet reads the same instant the page shows in London time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from urllib.parse import quote

import numpy as np
import pandas as pd
import streamlit as st
from pandas.api.types import is_string_dtype

from insight_workbench.access_monitoring import BURST_KEYS
from insight_workbench.atomic import plain_file_name
from insight_workbench.column_words import in_words
from insight_workbench.csvsafe import csv_bytes
from insight_workbench.dashboard import audit, rule_words, session
from insight_workbench.ledger import audit_trail
from insight_workbench.terminal import REORDERING_OR_CONTROL, controls_shown

LONDON = "Europe/London"
DATE_FORMAT = "YYYY-MM-DD"  # moment.js tokens, as Streamlit's column types read them
DATETIME_FORMAT = "YYYY-MM-DD HH:mm"
MISSING = "—"
ROW_PX, HEADER_PX, MAX_PX = 35, 38, 600

# Words that read better than their snake_case column names.
LABELS = {
    "ts": "Time",
    "due": "Due",
    "due_at": "Due",
    "as_of": "As of",
    "html": "HTML report",
    "dau": "Daily active users",
    "mau": "Monthly active users",
    "ip": "IP address",
    "ips": "IP addresses",
    "os_family": "Operating system",
    "browser_family": "Browser",
    "event_type": "Feature (event type)",
    "k": "k",
}
# Columns naming what a row is about (shown first), and those saying how it stands.
KEY_COLUMNS = ("key", "dataset", "request_id", "org_id", "processor_id", "message_id", "entry")
STATUS_COLUMNS = ("status", "state", "severity", "finding", "verdict")
BADGE_COLUMN = re.compile(r"^(status|state|severity|finding|verdict|[A-Z]{2,5}-\d{3})$")
DAYS_COLUMN = re.compile(r"(^days_|_days$|^days$)")
# Column widths: about the width of a character of the table's font, and bounds.
CHAR_PX, CELL_PADDING_PX, MIN_COLUMN_PX, MAX_COLUMN_PX = 7, 24, 90, 560
# Fractions of a whole (a share, a rate): shown as percentages, exported as they are.
PERCENT_COLUMN = re.compile(r"^(share_of_\w+|\w+_share|stickiness|retention)$")
PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
RULE_CODE = re.compile(r"^[A-Z]{2,5}-\d{3}\b")
EXCEPTED = re.compile(r"^[A-Z]{2,5}-\d{3} excepted until ")
# Columns of rule codes: each gets the rules' names beside it, and a tooltip saying what
# each rule checks (shown only: the download keeps the codes as they are).
RULE_COLUMNS = ("rule", "finding", "check")

# Badge colours: the word is always shown, the colour only repeats it.
RED, ORANGE, AMBER, GREEN, BLUE, GREY = (
    "#c0392b",
    "#d35400",
    "#b7950b",
    "#1e8449",
    "#2e6f9e",
    "#7f8c8d",
)
BADGES = {
    "high": RED,
    "medium": ORANGE,
    "low": AMBER,
    "overdue": RED,
    "due now": ORANGE,
    "upcoming": BLUE,
    "nothing held": GREY,
    "succeeded": GREEN,
    "failed": RED,
    "running": BLUE,
    "damaged": ORANGE,
    "in order": GREEN,
    "pass": GREEN,
    "fail": RED,
    "open": BLUE,
    "completed": GREY,
    "SAR-001": RED,
    "SAR-002": ORANGE,
}


def label(column: str) -> str:
    """`days_left` -> "Days left", `org_id` -> "Organisation ID"; rule codes stay."""
    if column in LABELS:
        return LABELS[column]
    if not re.fullmatch(r"[a-z0-9_]+", column):
        return column
    return in_words(column)


def badge_colour(text: str) -> str:
    word = text.strip()
    if word in BADGES:
        return BADGES[word]
    if EXCEPTED.match(word):  # a finding an exception covers
        return BLUE
    return ORANGE if RULE_CODE.match(word) else GREY


def height(rows: int) -> int:
    """Every row when they fit in MAX_PX, else a scrolling box that tall."""
    return min(HEADER_PX + ROW_PX * max(rows, 1) + 2, MAX_PX)


def order(columns: list[str]) -> list[str]:
    """The key column first, then those saying how the row stands, then the rest."""
    keys = [c for c in KEY_COLUMNS if c in columns][:1]
    if not keys:
        keys = [c for c in columns if c.endswith("_id")][:1]
    status = [c for c in columns if c not in keys and c in STATUS_COLUMNS]
    status += [c for c in columns if c not in keys + status and BADGE_COLUMN.match(c)]
    return keys + status + [c for c in columns if c not in keys + status]


@dataclass(frozen=True)
class Prepared:
    """What `st.dataframe` is given, and the rows of the download."""

    display: pd.DataFrame
    config: dict[str, Any]
    column_order: list[str]
    export: pd.DataFrame


def prepare(frame: pd.DataFrame) -> Prepared:
    """The frame as shown (London times, whole days, badges) and as exported (UTC)."""
    source = frame.reset_index(drop=True).copy()
    for column in source.columns:
        if DAYS_COLUMN.search(str(column)):
            source[column] = whole_days(source[column])
    display = source.copy()
    config: dict[str, Any] = {}
    for column in source.columns:
        name = str(column)
        display[column], config[name] = _column(name, source[column])
        texts = display[column].dtype == object or is_string_dtype(display[column].dtype)
        if texts and _has_controls(display[column]):
            display[column] = display[column].map(_visible_controls)
        if isinstance(config[name], dict) and _kind(config[name]) == "date":
            source[column] = display[column]  # a calendar date is exported as one
    columns = order([str(c) for c in source.columns])
    display, config, columns = _rule_names(source, display, config, columns)
    return Prepared(display, _fitted(display, config), columns, source)


def _fitted(display: pd.DataFrame, config: dict[str, Any]) -> dict[str, Any]:
    """Each text column as wide as its heading and its longest text (badges included),
    within bounds: Streamlit cuts both at a width of its own choosing."""
    fitted = {}
    for name, entry in config.items():
        if isinstance(entry, dict) and name in display and is_string_dtype(display[name].dtype):
            cells = [v for v in display[name].tolist() if isinstance(v, str)]
            badges = _kind(entry) == "multiselect"  # one badge per part, each padded
            longest = max((len(c) + 3 * (c.count(",") + 1) * badges for c in cells), default=0)
            width = text_width([str(entry.get("label") or name)], longest)
            entry = {**entry, "width": max(width, entry.get("width") or 0)}
        fitted[name] = entry
    return fitted


def _rule_names(
    source: pd.DataFrame, display: pd.DataFrame, config: dict[str, Any], columns: list[str]
) -> tuple[pd.DataFrame, dict[str, Any], list[str]]:
    """Beside each column of rule codes, the rules' names; on it, what each checks. A
    column named by a rule's code is headed by its name too."""
    for column in source.columns:
        if rule_words.known(column) and isinstance(config.get(str(column)), dict):
            code = str(column)
            words = {
                "label": f"{code} {rule_words.title(code)}",
                "help": rule_words.help_for([code]),
            }
            config = {**config, code: {**config[code], **words}}
    for column in RULE_COLUMNS:
        named = f"{column}_name"
        if column not in source.columns or named in source.columns:
            continue
        codes = [c for c in source[column] if not _missing(c)]
        if not codes or not all(rule_words.known(c) for c in codes):
            continue
        names = [MISSING if _missing(c) else rule_words.title(c) for c in source[column]]
        display = display.assign(**{named: names})
        entry = config[column]
        tooltip = rule_words.help_for(sorted(codes))
        if isinstance(entry, dict):
            entry = {**entry, "help": tooltip}
        config = {**config, named: st.column_config.Column(label(named))}
        config[column] = entry
        at = columns.index(column) + 1
        columns = [*columns[:at], named, *columns[at:]]
    return display, config, columns


def _has_controls(values: pd.Series) -> bool:
    # One search over the whole column: nearly every column holds none. A cell is one
    # line, and a bidi override would make it read as something else: shown as escapes,
    # as on the command line (`terminal.controls_shown`); the download keeps the value.
    # (`tolist` converts an Arrow column at once; iterating takes each value singly.)
    texts = "".join(v for v in values.tolist() if isinstance(v, str))
    return REORDERING_OR_CONTROL.search(texts) is not None


def _visible_controls(value: Any) -> Any:
    return controls_shown(value) if isinstance(value, str) else value


def _kind(entry: dict[str, Any]) -> str | None:
    return (entry.get("type_config") or {}).get("type")


def whole_days(values: pd.Series) -> pd.Series:
    """Days as whole numbers (elapsed days, rounded down), blanks kept."""
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return values
    return pd.Series(np.floor(values.astype(float)), index=values.index).astype("Int64")


def _column(name: str, values: pd.Series) -> tuple[pd.Series, Any]:
    """The column's display values and its `st.column_config` entry."""
    text = label(name)
    config = st.column_config
    if _days_among_moments(values):  # a request's due day beside organisations' instants
        return values.map(_day_or_london_time), config.TextColumn(text, help=DAYS_AND_TIMES)
    moments = _as_moments(values)
    if moments is not None:
        if _only_dates(moments):
            return moments.dt.date, config.DateColumn(text, format=DATE_FORMAT)
        london = moments.dt.tz_convert(LONDON)
        return london, config.DatetimeColumn(
            text, format=DATETIME_FORMAT, timezone=LONDON, help="London time (the CSV has UTC)"
        )
    if _every(values, lambda v: isinstance(v, date) or _missing(v)) and values.notna().any():
        return values, config.DateColumn(text, format=DATE_FORMAT)
    if BADGE_COLUMN.match(name) and _every(values, lambda v: isinstance(v, str) or _missing(v)):
        return values, _badges(text, values)
    if DAYS_COLUMN.search(name) and pd.api.types.is_numeric_dtype(values):
        return values, config.NumberColumn(text, format="%d")
    if PERCENT_COLUMN.match(name):
        return _percent(text, values)
    return values, config.Column(text)


def _percent(text: str, values: pd.Series) -> tuple[pd.Series, Any]:
    """A column of fractions as percentages (0.432 as 43.2%); a column mixing numbers
    with suppression markers is text, and keeps its markers."""
    said = "Shown as a percentage; the CSV has the fraction (0.432 for 43.2%)."
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        hundredths = values.astype(float) * 100
        return hundredths, st.column_config.NumberColumn(text, format="%.1f%%", help=said)

    def shown(value: Any) -> Any:
        plain = isinstance(value, str) and PLAIN_NUMBER.match(value)
        return f"{float(value) * 100:.1f}%" if plain else value

    return values.map(shown), st.column_config.Column(text, help=said)


def _badges(text: str, values: pd.Series) -> Any:
    # Streamlit splits a text cell on commas into one badge per part: colour each part.
    parts = sorted({part for v in values.dropna() for part in str(v).split(",")})
    return st.column_config.MultiselectColumn(
        text, options=parts, color=[badge_colour(p) for p in parts]
    )


def text_width(texts: Sequence[str], longest: int = 0) -> int:
    """Pixels for a column showing `texts` whole (its heading included), within bounds."""
    longest = max([longest, *(len(t) for t in texts)])
    return min(MAX_COLUMN_PX, max(MIN_COLUMN_PX, CELL_PADDING_PX + CHAR_PX * longest))


ISO_MOMENT = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"
)


def _as_moments(values: pd.Series) -> pd.Series | None:
    """The column as UTC instants when it holds timestamps (typed, or ISO text); a naive
    timestamp is UTC, as everywhere in the workbench. None for anything else."""
    moments: pd.Series
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        moments = values.dt.tz_convert("UTC")
        return moments
    if pd.api.types.is_datetime64_dtype(values):
        moments = values.dt.tz_localize("UTC")
        return moments
    if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
        return None
    if _plainly_other(values, lambda v: isinstance(v, datetime) or _iso_text(v)):
        return None
    present = values.dropna()
    if present.empty:
        return None
    if _every(present, lambda v: isinstance(v, datetime)):
        return pd.to_datetime(values, utc=True)
    if not _every(present, lambda v: isinstance(v, str) and bool(ISO_MOMENT.match(v))):
        return None
    try:
        if present.str.len().max() == 10:  # every value a date: calendar dates, as they are
            return pd.to_datetime(values, format="%Y-%m-%d").dt.tz_localize("UTC")
        # Instants only: dates beside instants are shown as text (`_days_among_moments`).
        return values.map(_moment).astype("datetime64[ns, UTC]")
    except ValueError:  # a day that no calendar has (a nominal 31 February) stays text
        return None


DAYS_AND_TIMES = "A date alone is a whole day (London); a time is London time (the CSV has UTC)"


def _days_among_moments(values: pd.Series) -> bool:
    """ISO dates beside ISO instants in one column of text (a schedule's due dates)."""
    if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
        return False
    if _plainly_other(values, _iso_text):
        return False
    present = values.dropna()
    if present.empty or not _every(present, _iso_text):
        return False
    lengths = present.str.len()
    return bool((lengths == 10).any() and (lengths > 10).any())


def _iso_text(value: Any) -> bool:
    return isinstance(value, str) and bool(ISO_MOMENT.match(value))


def _plainly_other(values: pd.Series, test: Callable[[Any], bool]) -> bool:
    """The first value is present and fails `test`: the column fails it, told before
    any scan of the column (most text columns, on every rerun of a page)."""
    first = values.iloc[0] if len(values) else None
    return not _missing(first) and not test(first)


def _day_or_london_time(value: Any) -> str | None:
    """A date as it is (a deadline day); an instant as its London time, to the minute."""
    if _missing(value):
        return None
    if len(value) == 10:
        return str(value)
    instant = _moment(value)
    return None if instant is None else str(instant.tz_convert(LONDON).strftime("%Y-%m-%d %H:%M"))


def _every(values: pd.Series, test: Callable[[Any], bool]) -> bool:
    """`test` holds for every value. The first value is tried alone first: most columns
    fail there, and a table is prepared on every rerun."""
    if len(values) and not test(values.iloc[0]):
        return False
    return bool(values.map(test).all())


def _missing(value: Any) -> bool:
    """A blank cell: None, NA, NaT or NaN of any kind (numpy's too), as `dropna` reads it;
    a list in a cell is a value."""
    if isinstance(value, str):  # most cells: told at once
        return False
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _moment(value: Any) -> pd.Timestamp | None:
    """An ISO instant in UTC (one without an offset is UTC)."""
    if _missing(value):
        return None
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _only_dates(moments: pd.Series) -> bool:
    """Calendar dates (midnight UTC, as DuckDB's DATE arrives) rather than instants."""
    if _plainly_other(moments, lambda v: v == v.normalize()):
        return False
    present = moments.dropna()
    return not present.empty and bool((present == present.dt.normalize()).all())


# Columns whose values are record ids, and the kind of key each names.
ID_KINDS = {
    "org_id": "org",
    "request_id": "request",
    "user_id": "user",
    "message_id": "message",
    "login_id": "login",
    "view_id": "view",
    "processor_id": "processor",
}


def export_keys(frame: pd.DataFrame) -> list[str]:
    """The record keys a download holds: its `key` column and its id columns."""
    found: set[str] = set()
    if "key" in frame.columns:
        found |= {str(k) for k in frame["key"].dropna()}
    if "keys" in frame.columns:  # the audit log's entries: the keys each names, listed
        found |= {k for cell in frame["keys"].dropna() for k in str(cell).split(", ")}
    for column, kind in ID_KINDS.items():
        if column in frame.columns:
            found |= {f"{kind}:{v}" for v in frame[column].dropna() if str(v)}
    if {"kind", "subject"} <= set(frame.columns):  # failed-login bursts (loggable: accounts)
        pairs = zip(frame["kind"], frame["subject"], strict=True)
        found |= {f"{BURST_KEYS[k]}:{s}" for k, s in pairs if not _missing(s) and str(s)}
    # Every key of a kind the trail holds (never an IP address): audit_event logs an odd
    # one (a line break in its id) escaped, or by its kind and hash.
    return sorted(k for k in found if k.partition(":")[0] in audit_trail.KEY_KINDS)


def _export_logged(export: pd.DataFrame) -> Callable[[], None] | Literal["ignore"]:
    """In the DPO's pages, a download is a `csv_export` entry of the audit trail naming
    the records in it; an analyst's tables hold no identifiable records."""
    wb = st.session_state.get(session.STATE_KEY)
    if not isinstance(wb, session.Workbench) or not wb.is_dpo:
        return "ignore"
    return audit.on_click(wb, "csv_export", export_keys(export))


def file_name_part(text: str) -> str:
    """`text` (a snapshot id from the export) as part of a download's file name, so that
    markup, a path or a control never reaches the browser's save dialog."""
    return plain_file_name(text, 80, "snapshot")


def csv_of(prepared: Prepared) -> bytes:
    """The download: the source columns and values, through the formula-safe writer."""
    export = prepared.export
    rows = ([_cell(value) for value in row] for row in export.itertuples(index=False, name=None))
    return csv_bytes([str(c) for c in export.columns], rows)


def _cell(value: Any) -> Any:
    if _missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


# What a link column shows, taken from its address by Streamlit (and URL-decoded): the
# key's id (`ID_SHOWN`) or whole key (`KEY_SHOWN`), or the text after `#` when there is
# one. An id holding a control or bidi override gets its escaped form there, since the
# decoded address would show the override itself (`shown_in_link`).
ID_SHOWN = r"(?:#|key=[a-z]+:)([^&#]*)(?!.*#)"
KEY_SHOWN = r"(?:#|key=)([^&#]*)(?!.*#)"


def shown_in_link(address: str, text: str) -> str:
    """`address`, and after `#` the escaped `text` when it holds a control or a bidi
    override: the page the link opens reads only its query."""
    if not address or REORDERING_OR_CONTROL.search(text) is None:
        return address
    return f"{address}#{quote(controls_shown(text), safe='')}"


@dataclass(frozen=True)
class Links:
    """Turns a table's `column` of record keys into links to their records."""

    column: str
    address_of: Callable[[str], str]  # a key -> its relative address ("" for none)
    config: Any  # the LinkColumn that shows the key and opens the address
    # The kind of each row's key (`user:`, `ip:`), in the table's order, when the
    # column holds ids of several kinds: the id alone does not tell which record it is.
    prefixes: Sequence[str] | None = None


def show(
    frame: pd.DataFrame,
    key: str,
    *,
    file_name: str | None = None,
    links: Links | None = None,
    download: bool = True,
) -> None:
    """Render `frame` as the app's tables look, with a download of it below unless not
    `download` (the download keeps keys as keys, never addresses)."""
    prepared = prepare(frame)
    display, config = prepared.display, prepared.config
    if links is not None and links.column in display.columns and not display.empty:
        ids = [str(k) for k in prepared.export[links.column]]  # the keys as they are
        prefixes = links.prefixes if links.prefixes is not None else [""] * len(ids)
        addresses = [
            shown_in_link(links.address_of(p + k), k) for p, k in zip(prefixes, ids, strict=True)
        ]
        display = display.assign(**{links.column: addresses})
        # Each link shows its id (or the whole key, in a column of keys): fit them whole.
        width = text_width([links.config.get("label") or links.column, *ids])
        config = {**config, links.column: {**links.config, "width": width}}
    st.dataframe(
        display,
        hide_index=True,
        column_config=config,
        column_order=prepared.column_order,
        height=height(len(prepared.display)),
        placeholder=MISSING,
        key=key,
    )
    if not download:
        return
    st.download_button(
        "Download CSV",
        lambda: csv_of(prepared),  # written only when asked for
        file_name=f"{file_name or key.removesuffix('_table').replace('_', '-')}.csv",
        mime="text/csv",
        on_click=_export_logged(prepared.export),
        type="tertiary",
        icon=":material/download:",
        key=f"{key}_csv",
        help="Spreadsheet-safe CSV of this table; times in UTC.",
    )
