"""The one CSV writer of the workbench: cells a spreadsheet cannot run as formulas.

A spreadsheet runs a cell starting with `=`, `+`, `-` or `@` as a formula (DDE
forms such as `=cmd|' /C calc'!A0` included), and some programs do so after a
leading tab, carriage return, line feed or NUL, or skip leading spaces first.
Following OWASP's guidance on CSV injection, such text gets a leading single
quote, which spreadsheets show as plain text; the rest of the text is kept as
it is. The test is made on the NFKC form (so full-width `＝＋－＠` count) after
leading whitespace, no-break and other Unicode spaces, zero-width and other
invisible characters are skipped. A leading `|` is treated as a trigger too.

Only text is touched. Numbers (int, float, Decimal, numpy numbers) are data and
are written as numbers, so `-12` in a count column stays `-12`; a number can
never carry a formula. The text `"-12"` in a text column is still prefixed: the
writer goes by the value's type, never by what the text looks like.
"""

from __future__ import annotations

import csv
import io
import math
import numbers
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from insight_workbench.atomic import write_atomically
from insight_workbench.timeutil import to_utc

# Triggers at the very first character, before anything is skipped.
LEADING_CONTROLS = ("\t", "\r", "\n", "\0")
# Triggers at the first visible character.
FORMULA_STARTS = ("=", "+", "-", "@", "|")


def _invisible(char: str) -> bool:
    """Whitespace (Unicode spaces included), control and format characters (zero-width
    spaces, joiners, the byte-order mark, direction marks): skipped by the trigger test."""
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet might read `text` as a formula."""
    if text[:1].isascii() and text[:1].isalnum():
        return False  # most text: NFKC keeps an ASCII letter or digit first
    shown = unicodedata.normalize("NFKC", text)
    if shown.startswith(LEADING_CONTROLS):
        return True
    start = next((char for char in shown if not _invisible(char)), None)
    return start is not None and start in FORMULA_STARTS


def neutralise(text: str) -> str:
    """The text with a leading `'` when a spreadsheet might read it as a formula."""
    return "'" + text if is_formula_like(text) else text


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`; fractional seconds only when there are some."""
    utc = to_utc(moment)
    pattern = "-%m-%dT%H:%M:%S.%fZ" if utc.microsecond else "-%m-%dT%H:%M:%SZ"
    return f"{utc.year:04d}{utc.strftime(pattern)}"  # %Y drops a year's leading zeros


def plain(value: Any) -> Any:
    """A cell as a JSON value: timestamps in ISO 8601 UTC, dates as YYYY-MM-DD, text unchanged."""
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def csv_cell(value: Any) -> str:
    """A cell as CSV text: NULL (and NaN) empty, booleans `true`/`false`, numbers as
    written, timestamps in ISO 8601 UTC; anything else is text and is neutralised."""
    if type(value) is str:  # the common case first: packs write many thousand cells
        return neutralise(value)
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        value = value.item()  # numpy scalars as the Python values they hold (numpy is
        # not imported here: the command line's start-up stays light)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Number):
        return str(value)
    if isinstance(value, date):
        return str(plain(value))
    return neutralise(str(value))


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[Any]], newline: str = "\n") -> str:
    """CSV (RFC 4180 quoting), header first, every cell through `csv_cell`."""
    checked = _with_columns(columns, rows)
    if newline == "\r\n":
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator=newline).writerows(checked)
        return buffer.getvalue()
    # Python's writer quotes only the characters of its line terminator: with "\n" alone a
    # CR in a value would go unquoted and split the row. Each row is written with "\r\n"
    # (so a CR or LF in a value is quoted), then ended with `newline`.
    row_buffer, text = io.StringIO(), io.StringIO()
    writer = csv.writer(row_buffer, lineterminator="\r\n")
    for cells in checked:
        writer.writerow(cells)
        text.write(row_buffer.getvalue()[:-2] + newline)
        row_buffer.seek(0)
        row_buffer.truncate()
    return text.getvalue()


def _with_columns(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[list[str]]:
    """The header, then each row, every cell through `csv_cell`."""
    yield [csv_cell(name) for name in columns]
    for row in rows:
        cells = list(row)
        if len(cells) != len(columns):
            raise ValueError(f"a row has {len(cells)} cells for {len(columns)} columns")
        yield [csv_cell(value) for value in cells]


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV file for a spreadsheet: CRLF line ends, UTF-8 with a byte-order mark so
    spreadsheets read the accents."""
    return csv_text(columns, rows, newline="\r\n").encode("utf-8-sig")


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """Write `csv_bytes` to `path` whole or not at all (see `write_atomically`)."""
    write_atomically(path, csv_bytes(columns, rows))
    return path
