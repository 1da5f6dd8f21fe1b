"""A dataset whose header row reads as a row of data: the export left its header out.

A table's header must hold its declared columns, so a missing one refuses the table; a
dataset declares none, and its first row would be taken for column names. Those
"names" would then be a person's values, and reach every message, finding key and
piece of evidence that names a column. So a dataset whose header has a cell that is a
direct identifier, as DEID-001 reads one (an `@`, a whole IP address, or a held user's
address, name, id or telephone), is not loaded: `validate`, `ingest` and the
De-identification page name its file and the column's position, never the cell, and
DEID-001 reports that column by its position. Numbers, dates and other words are
names: an aggregate by period or by bucket (`region,2025,2026`, `hour,0,1,2`) is an
ordinary dataset.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from insight_workbench.ip_addresses import is_ip_address
from insight_workbench.sql import define, query

EMAIL = "holds @, as an email address does"
IP = "is an IP address"
HELD = "is a held user's email address, name, user id or telephone"
# What DEID-001 calls each kind of direct identifier found in a header row.
KINDS = {EMAIL: "email address", IP: "IP address", HELD: "held user's identifier"}
DIGITS = re.compile(r"\D")
FEWEST_TELEPHONE_DIGITS = 7  # as DEID-001 compares telephones
# A number names a column (a year, an hour, a bucket), even where user ids are numbers:
# a number is a value only as a held telephone's digits, or as a whole number of more
# than 4 digits equal to a held user id (a header row left out of a file of numeric ids
# would otherwise put an id into finding keys and messages).
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
NUMERIC_ID = re.compile(r"\d{5,}")


@dataclass(frozen=True)
class UnreadDataset:
    """A dataset not loaded: its header row is a row of data holding an identifier."""

    name: str  # file name without extension
    file: str  # path relative to the snapshot
    position: int  # the first column (from 1) whose header cell is an identifier
    looks_like: str  # why, in words (`EMAIL`, `IP`, `HELD`); never the cell itself

    @property
    def key(self) -> str:
        return f"deidentified/{self.name}"

    @property
    def column(self) -> str:
        """The column's name in a finding's key: its header is a value, so its position."""
        return f"column {self.position}"

    @property
    def why(self) -> str:
        return f"its header row looks like a row of data: column {self.position} {self.looks_like}"


def data_like_cell(cell: str) -> str | None:
    """Why one header cell (trimmed) reads as a direct identifier, not a column's name."""
    if "@" in cell:
        return EMAIL
    return IP if is_ip_address(cell) else None


def data_like_header(
    con: duckdb.DuckDBPyConnection, cells: Sequence[str]
) -> tuple[int, str] | None:
    """The first position (from 1) of a header cell that is a direct identifier, and why;
    None for a header of names. `con` holds the typed `users` table: a cell equal to a
    held address, user id or name of two words or more (a one-word name, `Region`,
    could as well be a column's), compared as DEID-001 compares them (`iw_trim`,
    `iw_caseless`: another Unicode form or case of a name is that name), or whose digits
    (7 or more) are a held telephone's, is one too. A number of up to 4 digits is
    compared with telephones only: a table by year or hour stays a table where the user
    ids are `2025` or `1`; a longer whole number is compared with user ids too."""
    trimmed = [cell.strip() for cell in cells]
    for position, cell in enumerate(trimmed, start=1):
        why = data_like_cell(cell)
        if why is not None:
            return position, why
    sought = sorted(
        {c for c in trimmed if c and (not NUMBER.fullmatch(c) or NUMERIC_ID.fullmatch(c))}
    )
    numbers = sorted(
        {d for d in (DIGITS.sub("", c) for c in trimmed) if len(d) >= FEWEST_TELEPHONE_DIGITS}
    )
    if not sought and not numbers:
        return None
    define(con, "identifier_text.sql")
    found = query(con, "data_header_held.sql", sought=sought or [""], numbers=numbers or [""])
    held = {str(row["v"]) for row in found}
    for position, cell in enumerate(trimmed, start=1):
        if cell and (cell in held or DIGITS.sub("", cell) in held - {""}):
            return position, HELD
    return None
