"""CSV that is safe to open in a spreadsheet (no formula injection).

A spreadsheet treats a cell starting with `=`, `+`, `-` or `@` (and, in some
programs, a tab, carriage return or line feed) as a formula. Following the
OWASP guidance on CSV injection, such text cells are prefixed with a single
quote, which spreadsheets show as plain text. Only text columns are touched:
numbers, timestamps and booleans are written as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from insight_workbench.timeutil import to_utc

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(text: str) -> str:
    """The text with a leading `'` when a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`; fractional seconds only when there are some."""
    utc = to_utc(moment)
    pattern = "%Y-%m-%dT%H:%M:%S.%fZ" if utc.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return utc.strftime(pattern)


def plain(value: Any) -> Any:
    """A cell as a JSON value: timestamps in ISO 8601 UTC, dates as YYYY-MM-DD, text unchanged."""
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def csv_cell(value: Any, is_text: bool) -> str:
    """A cell as CSV text: NULL empty, booleans `true`/`false`, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_text:
        return neutralise(str(value))
    return str(plain(value))


def csv_bytes(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], text_columns: Iterable[str]
) -> bytes:
    """RFC 4180 CSV (UTF-8 with a byte-order mark so spreadsheets read the accents)."""
    text = set(text_columns)
    flags = [name in text for name in columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([neutralise(name) for name in columns])
    for row in rows:
        writer.writerow([csv_cell(value, flag) for value, flag in zip(row, flags, strict=True)])
    return buffer.getvalue().encode("utf-8-sig")
