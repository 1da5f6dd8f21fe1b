"""Spreadsheet-safe CSV: formula-like text neutralised, other values as they are."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from insight_workbench.csvsafe import csv_bytes, csv_cell, csv_text, iso_utc, neutralise, plain


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("\ncmd", "'\ncmd"),
        ("plain text", "plain text"),
        ("a=b", "a=b"),  # only a leading trigger matters
        (" =1", "' =1"),  # leading spaces do not hide a formula
        ("|cmd", "'|cmd"),
        ("'quoted", "'quoted"),
        ("", ""),
        ("\uff1d1", "'\uff1d1"),  # a full-width equals sign is one after NFKC
        ("\u200b=1", "'\u200b=1"),  # an invisible character does not hide a formula
        ("7\u0301=1", "7\u0301=1"),  # an ASCII digit stays first after NFKC
    ],
)
def test_neutralise(text: str, expected: str) -> None:
    assert neutralise(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("-2", "'-2"),  # text that looks like a number is still text
        (-2, "-2"),  # numbers are not text: never prefixed
        (-2.5, "-2.5"),
        (None, ""),
        (True, "true"),
        (False, "false"),
        (
            datetime(2026, 6, 1, 10, 15, tzinfo=timezone(timedelta(hours=1))),
            "2026-06-01T09:15:00Z",
        ),
        (date(2026, 1, 2), "2026-01-02"),
    ],
)
def test_csv_cell(value: object, expected: str) -> None:
    assert csv_cell(value) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 3, 1, 9, 15, tzinfo=UTC), "2026-03-01T09:15:00Z"),
        (datetime(2026, 3, 1, 9, 15, 0, 500000, tzinfo=UTC), "2026-03-01T09:15:00.500000Z"),
        (datetime(2026, 3, 1, 0, 30, tzinfo=timezone(timedelta(hours=2))), "2026-02-28T22:30:00Z"),
        (datetime(999, 6, 1, tzinfo=UTC), "0999-06-01T00:00:00Z"),  # four digits, as ISO asks
        (datetime(2, 1, 1, 0, 0, 0, 5, tzinfo=UTC), "0002-01-01T00:00:00.000005Z"),
    ],
)
def test_iso_utc(moment: datetime, expected: str) -> None:
    assert iso_utc(moment) == expected
    assert plain(moment) == expected


def test_csv_bytes_round_trip_keeps_text_safe_and_values_readable() -> None:
    columns = ["name", "ts", "ok", "=evil header"]
    moment = datetime(2026, 6, 1, 8, tzinfo=UTC)
    rows = [['=1+1, "quoted"\nline', moment, True, "@x"], [None, moment, False, "fine"]]
    data = csv_bytes(columns, rows)
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark for spreadsheets
    read = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert read == [
        ["name", "ts", "ok", "'=evil header"],
        ['\'=1+1, "quoted"\nline', "2026-06-01T08:00:00Z", "true", "'@x"],
        ["", "2026-06-01T08:00:00Z", "false", "fine"],
    ]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_carriage_return_or_line_feed_in_a_value_is_quoted_whatever_the_line_end(
    newline: str,
) -> None:
    rows = [["Acme\rHosting", "a"], ["two\nlines", "b"], ["both\r\nends", "c"], ["plain", "d"]]
    text = csv_text(["name", "x"], rows, newline=newline)
    assert text.endswith(f"plain,d{newline}")
    assert list(csv.reader(io.StringIO(text, newline=""))) == [["name", "x"], *rows]
