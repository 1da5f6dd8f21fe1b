"""A dataset whose header row reads as a row of data: the export left its header out.

A table's header must hold its declared columns, so a missing one refuses the table; a
dataset declares none, and its first row would be taken for column names. Those
"names" would then be a person's values, and reach every message, finding key and
piece of evidence that names a column. So a dataset whose header has a cell that looks
like a value (an `@`, an IP address, a number that is no year, a day's date, or a held
user's address, name
or id) is neither loaded nor judged: `validate`, `ingest` and the De-identification
page name its file and the column's position, never the cell.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
# Years and months (`2026`, `2026-01`) name the columns of a table by period: names here.
PERIOD = re.compile(r"(19|20)\d{2}(-\d{1,2})?")
# A day: 2026-01-31, 2026-01-31T09:00..., 31/01/2026, 31.01.26.
DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}([T ].*)?|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}", re.I)

HELD = "is a held user's email address, name or user id"


@dataclass(frozen=True)
class UnreadDataset:
    """A dataset not loaded nor judged: its header row looks like data."""

    name: str  # file name without extension
    file: str  # path relative to the snapshot
    position: int  # the first column (from 1) whose header cell looks like a value
    looks_like: str  # why, in words: "is a date"; never the cell itself

    @property
    def key(self) -> str:
        return f"deidentified/{self.name}"

    @property
    def why(self) -> str:
        return f"its header row looks like a row of data: column {self.position} {self.looks_like}"


def data_like_cell(cell: str) -> str | None:
    """Why one header cell (trimmed) reads as a value rather than a column's name."""
    if "@" in cell:
        return "holds @, as an email address does"
    try:
        ipaddress.ip_address(cell)
    except ValueError:
        pass
    else:
        return "is an IP address"
    if PERIOD.fullmatch(cell):
        return None
    if NUMBER.fullmatch(cell):
        return "is a number"
    if DATE.fullmatch(cell):
        return "is a date"
    return None


def data_like_header(
    con: duckdb.DuckDBPyConnection, cells: Sequence[str]
) -> tuple[int, str] | None:
    """The first position (from 1) of a header cell that looks like a value, and why;
    None for a header of names. `con` holds the typed `users` table: a cell equal
    (trimmed, lower-cased) to a held address, user id or name of two words or more is a
    value too (a one-word name, `Region`, could as well be a column's)."""
    trimmed = [cell.strip() for cell in cells]
    for position, cell in enumerate(trimmed, start=1):
        why = data_like_cell(cell)
        if why is not None:
            return position, why
    sought = sorted({cell.lower() for cell in trimmed if cell})
    if not sought:
        return None
    held = {
        str(value)
        for (value,) in con.execute(
            "SELECT v FROM (SELECT lower(trim(email)) AS v FROM users "
            "UNION SELECT lower(trim(user_id)) FROM users "
            "UNION SELECT lower(trim(name)) FROM users WHERE contains(trim(name), ' ')) "
            "WHERE v IN (SELECT unnest($sought))",
            {"sought": sought},
        ).fetchall()
    }
    for position, cell in enumerate(trimmed, start=1):
        if cell and cell.lower() in held:
            return position, HELD
    return None
