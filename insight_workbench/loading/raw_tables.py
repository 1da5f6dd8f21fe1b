"""An export file read as text: the untyped relation, and what every reader shares.

Every file becomes a relation of `_row` (the 1-based record index) and one VARCHAR
column per kept file column (`RawTable`), plus a list of the records that could not be
read at all (`StructuralReject`: wrong field count, broken quoting, bad encoding).
Inside the relation the columns have positional names (`c0`, `c1`, ...): a file's
column names never become SQL identifiers before typing, so a column called `rowid`,
`_row` or `"x"` cannot confuse the loader. A Parquet column kept typed besides has
`n0`, `n1`, ... Here too: quoting names and text for SQL, showing a file's names in
messages, and refusing names no column may have.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import duckdb

from insight_workbench.errors import InputError
from insight_workbench.loading.parquet_types import is_nested, parquet_text, unquoted

ROW = "_row"  # the record index column of every untyped relation
# DuckDB reads `k=1` in a file's path as a partition and adds a column `k`: the cache
# folder's path is nobody's data.
NO_HIVE = "hive_partitioning = false"
SURROGATE = re.compile("[\udc80-\udcff]")  # undecodable bytes, kept by surrogateescape


@dataclass(frozen=True)
class StructuralReject:
    row: int  # 1-based record index, header not counted
    reason: str
    column: str | None = None  # the column at fault, when one is (else the record)
    # For an unterminated quoted field: the file's line (from 1) where its quote opens.
    line: int | None = field(default=None, compare=False)


@dataclass
class RawTable:
    """An export file read as text: relation `table` holds the record index (`row`) and
    one VARCHAR column per kept file column, named positionally (see `ident`)."""

    table: str
    columns: list[str]  # the file's column names, credential columns left out
    credential_columns: list[str]
    positions: dict[str, int]  # column name -> position in the file
    rejects: list[StructuralReject] = field(default_factory=list)
    parquet_types: dict[str, str] = field(default_factory=dict)
    # Parquet columns kept typed besides as text: column name -> the declared type
    # ("timestamp", "date" or "bool") their Parquet type carries exactly.
    native: dict[str, str] = field(default_factory=dict)
    is_view: bool = False  # else a table
    file_table: str | None = None  # the table a view reads, dropped with it
    rows: int | None = None  # records in the relation, when known without a query
    # A CSV file of a header alone: there is nothing to read, and no relation is made.
    header_only: bool = False
    row: str = ROW  # SQL giving a record's index in `table`: its column `_row`, or the
    # expression reading it from the rowid of a table of records in file order

    def ident(self, name: str) -> str:
        """The SQL identifier of file column `name` inside `table`."""
        return f"c{self.positions[name]}"

    def native_ident(self, name: str) -> str:
        """The SQL identifier of the typed form of a column of `native`."""
        return f"n{self.positions[name]}"

    @property
    def nested(self) -> list[str]:
        """The kept Parquet columns holding values inside values, written as JSON text."""
        return [name for name in self.columns if is_nested(self.parquet_types.get(name, ""))]

    @property
    def keyed(self) -> list[str]:
        """The nested columns holding a map, whose keys are data (a struct's field names,
        which JSON writes alike, are not)."""
        return [name for name in self.nested if "MAP(" in unquoted(self.parquet_types[name])]

    def native_text(self, name: str) -> str:
        """SQL giving the same text as `ident(name)` from the typed form (for the few
        rows whose text is needed: a value and reason of `rejects`)."""
        return parquet_text(self.native_ident(name), self.parquet_types[name])

    def records(self, con: duckdb.DuckDBPyConnection) -> int:
        """Records in the file: those read plus those that could not be read."""
        if self.rows is not None:
            return self.rows + len(self.rejects)
        found = con.execute(f"SELECT count(*) FROM {quote_ident(self.table)}").fetchone()
        return int(found[0] if found else 0) + len(self.rejects)


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def shown(name: str) -> str:
    """A name from a file, safe on one line of an error message (control characters escaped)."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in name)


def free_name(base: str, taken: Iterable[str]) -> str:
    """`base`, with underscores before it until no name of `taken` is the same (names
    are case-insensitive): a helper column's name that no column of a file has."""
    used = {name.casefold() for name in taken}
    while base.casefold() in used:
        base = "_" + base
    return base


def check_names(names: list[str], where: str, column: str = "header column") -> None:
    """Refuse unusable column names: empty, undecodable, or given twice (DuckDB's names
    are case-insensitive, so `Email` and `email` are the same column). Names are not
    quoted back: when the header row is missing, the "names" are a row of data.
    Messages call a column `column` (a Parquet file has no header row)."""
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if not name:
            raise InputError(f"{where}: {column} {position} has no name")
        if SURROGATE.search(name):
            raise InputError(f"{where}: a {column}'s name is not valid UTF-8")
        if name.casefold() in seen:
            first = seen[name.casefold()]
            raise InputError(f"{where}: {column}s {first} and {position} have the same name")
        seen[name.casefold()] = position
