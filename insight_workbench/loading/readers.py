"""Reading export files into untyped DuckDB relations, record by record.

Every file becomes a relation of `_row` (the 1-based record index) and one
VARCHAR column per kept file column, plus a list of the records that could not
be read at all (wrong field count, broken quoting, bad encoding). The relation
is temporary (it belongs to the connection, is never written to the database
file and needs no commit to disk): only the typed table is kept. Inside the
relation the columns have positional names (`c0`, `c1`, ...): a file's column
names never become SQL identifiers before typing, so a column called `rowid`,
`_row` or `"x"` cannot confuse the loader. Nothing is guessed: the dialect is
fixed by the contract and DuckDB never sniffs it. Typing happens afterwards,
in `coercion.py`. A Parquet column that already holds an instant, a date or a
boolean is also kept as it is (`n0`, `n1`, ...), so typing it needs no round
trip through text. A Parquet file DuckDB fails to read is read again carefully
(`read_file`'s `careful`): the columns DuckDB cannot read come from pyarrow.

The loader and the record counter ask for no `_row` column (`numbered=False`): a
CSV file DuckDB reads whole is then left as the table of its records, without
the view naming its record index, which the query that reads it computes
(`RawTable.row`).
"""

from __future__ import annotations

import codecs
import csv
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import duckdb

from insight_workbench.errors import InputError, resource_problem
from insight_workbench.loading import limits
from insight_workbench.loading.bounded import csv_header, open_regular
from insight_workbench.loading.safe_files import read_blocks
from insight_workbench.loading.schema import is_credential

ROW = "_row"  # the record index column of every untyped relation
ROW_NUMBER = "file_row_number"  # the record index DuckDB adds to a Parquet file read
# DuckDB reads `k=1` in a file's path as a partition and adds a column `k`: the cache
# folder's path is nobody's data.
NO_HIVE = "hive_partitioning = false"
BATCH_ROWS = 100_000
# The careful Parquet reading holds a batch's values as Python objects when one is not
# UTF-8: fewer rows at a time keep that within memory however long the values are.
CAREFUL_BATCH_ROWS = 4_096
# Parquet types that hold a declared type exactly (a naive TIMESTAMP is read in the
# manifest's time zone, through its text; one stored as INT96 is an instant unless
# Impala wrote it).
INSTANT = "TIMESTAMP WITH TIME ZONE"
NATIVE = {INSTANT: "timestamp", "DATE": "date", "BOOLEAN": "bool"}
SURROGATE = re.compile("[\udc80-\udcff]")  # undecodable bytes, kept by surrogateescape
UNTERMINATED = "unterminated quoted field"
CSV_PROBLEMS = {  # Python's csv messages (never a value) -> the reason recorded
    "unexpected end of data": UNTERMINATED,
    "expected after": "text after a closing quote",
}


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
        return [name for name in self.nested if "MAP(" in _unquoted(self.parquet_types[name])]

    def native_text(self, name: str) -> str:
        """SQL giving the same text as `ident(name)` from the typed form (for the few
        rows whose text is needed: a value and reason of `rejects`)."""
        return _parquet_text(self.native_ident(name), self.parquet_types[name])

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


def read_header(path: Path, label: str | None = None) -> list[str]:
    """The column names of a CSV file's header row, trimmed; empty names at the end
    (a trailing comma) are dropped, as DuckDB drops trailing empty fields of records.
    Messages name the file `label` (default: its name)."""
    return _header(path, label)[0]


def header_cells(path: Path, label: str | None = None) -> list[str]:
    """The cells of a CSV file's first row, trimmed (empty ones at the end dropped), before
    they are checked as names: a dataset's first row may be data (`data_headers.py`)."""
    return _header_cells(path, label)[0]


def _header(path: Path, label: str | None = None) -> tuple[list[str], bool, bool]:
    """`read_header`'s names, whether the file holds nothing after the header, and whether
    a name (before trimming) holds a line break."""
    names, alone, broken = _header_cells(path, label)
    check_names(names, shown(label or path.name))
    return names, alone, broken


def _header_cells(path: Path, label: str | None = None) -> tuple[list[str], bool, bool]:
    where = shown(label or path.name)
    header, alone = csv_header(path, where)
    if header is None:
        raise InputError(f"{where}: the file is empty (no header row)")
    broken = any("\r" in name or "\n" in name for name in header)
    names = [name.strip() for name in header]
    if not any(names):
        raise InputError(f"{where}: the first line is empty, not a header row")
    while len(names) > 1 and not names[-1]:
        names.pop()
    if len(names) == 1 and any(sep in names[0] for sep in ";\t|"):
        raise InputError(
            f"{where}: the header row has a single column: the file is not comma-separated"
        )
    return names, alone, broken


def read_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: str,
    label: str | None = None,
    *,
    relation_if_empty: bool = True,
    numbered: bool = True,
    careful: bool = False,
) -> RawTable:
    """Read one CSV or Parquet export into the untyped relation `table`; messages name
    the file `label` (default: its name). With `relation_if_empty` false, a CSV file of
    a header alone makes no relation (`RawTable.header_only`): a caller that has nothing
    to do with no records is spared the statements. With `numbered` false, the relation
    may lack the column `_row`: its queries read the record index as `RawTable.row`.

    `careful` is for a Parquet file that DuckDB failed to read: the columns it cannot
    read are read with pyarrow (text that is not UTF-8 leaving its record out, in
    `rejects`; a timestamp too far off for DuckDB becoming its text), the others by
    DuckDB, into a temporary table. `CannotRepair` when that cannot be done."""
    if path.suffix == ".parquet":
        return _read_parquet(con, path, table, label or path.name, careful)
    return _read_csv(con, path, table, label or path.name, relation_if_empty, numbered)


def _csv_source(path: Path, width: int) -> str:
    """read_csv with the contract's dialect and no sniffing; every column VARCHAR."""
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width))
    return (
        f"read_csv({quote_literal(str(path))}, header = true, auto_detect = false, "
        f"delim = ',', quote = '\"', escape = '\"', strict_mode = true, encoding = 'utf-8', "
        f"max_line_size = {limits.max_field_bytes()}, columns = {{{columns}}}, {NO_HIVE})"
    )


def _read_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: str,
    label: str,
    relation_if_empty: bool,
    numbered: bool,
) -> RawTable:
    header, header_only, broken_header = _header(path, label)
    kept = [name for name in header if not is_credential(name)]
    positions = {name: header.index(name) for name in kept}
    raw = RawTable(table, kept, [n for n in header if is_credential(n)], positions)
    if header_only and not relation_if_empty:  # no record, whichever reader reads it
        raw.rows, raw.header_only = 0, True
        return raw
    if broken_header:
        # DuckDB's header reading ends at a line break even inside quotes, and then finds
        # no record at all: such a file is read record by record.
        raw.rejects = _read_csv_with_python(con, path, raw, len(header))
        return raw
    selected = ", ".join(raw.ident(name) for name in kept)
    base = table + "__file" if numbered else table
    try:
        created = con.execute(
            f"CREATE TEMP TABLE {quote_ident(base)} AS SELECT {selected} "
            f"FROM {_csv_source(path, len(header))}"
        ).fetchone()
    except duckdb.Error:
        # The file breaks the dialect somewhere (DuckDB's message quotes the line, so it
        # is never shown): read it record by record, quarantining only broken records.
        raw.rejects = _read_csv_with_python(con, path, raw, len(header))
        return raw
    raw.rows = int(created[0]) if created else None
    # With insertion order preserved, the rowid of a table created from one scan
    # follows the file's record order (tests/test_readers.py checks it on 2M rows).
    if not numbered:
        raw.row = "rowid + 1"
        return raw
    con.execute(
        f"CREATE TEMP VIEW {quote_ident(table)} AS SELECT rowid + 1 AS {ROW}, {selected} "
        f"FROM {quote_ident(base)}"
    )
    raw.is_view, raw.file_table = True, base
    return raw


def python_records(path: Path, width: int) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """(record index, fields, None) for each readable record, (index, None, reason) for a
    broken one. Matches DuckDB's reading of a valid file: blank lines are not records
    in a file of several columns, and trailing empty fields are dropped."""
    for row, record, reason, _ in _python_records(path, width):
        yield row, record, reason


def _python_records(
    path: Path, width: int
) -> Iterator[tuple[int, list[str] | None, str | None, int | None]]:
    """As `python_records`, with the line where an unterminated quoted field opens (the
    file's lines from 1, the header's included) after its reason, None otherwise."""
    check_encoding = not _is_utf8(path)
    limit, most = csv.field_size_limit(), limits.max_field_bytes()
    try:
        with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
            lines = _QuoteState(handle)
            reader = csv.reader(lines, strict=True)
            # The header, read and checked already (a name may be longer than a field).
            csv.field_size_limit(max(most, limits.max_header_bytes()))
            next(reader, None)
            csv.field_size_limit(most)  # counts characters: the bytes are counted below
            row = 0
            while True:
                lines.reset()  # a record starts outside quotes
                try:
                    record = next(reader)
                except StopIteration:
                    return
                except csv.Error as error:
                    row += 1
                    problem = _csv_problem(str(error))
                    if problem.startswith(TOO_LONG):
                        lines.skip_rest_of_record()  # the file is sound: resume after it
                    yield row, None, problem, lines.opened_at if problem == UNTERMINATED else None
                    continue
                if not record:
                    if width > 1:
                        continue
                    record = [""]
                row += 1
                reason = _structural_problem(record, width, check_encoding)
                if reason is None and _longer_than(record, most):
                    reason = _csv_problem("field larger than field limit")
                yield (row, None, reason, None) if reason else (row, record[:width], None, None)
    finally:
        csv.field_size_limit(limit)


_QUOTING = re.compile('["\r\n,]')


def _longer_than(record: list[str], most: int) -> bool:
    """Whether a field of `record` takes more than `most` bytes in UTF-8 (a character
    takes at most four, so only a field of more than a quarter of them can)."""
    return any(
        len(field) > most // 4 and len(field.encode("utf-8", "surrogateescape")) > most
        for field in record
    )


class _QuoteState:
    """A file's lines as the CSV reader takes them, minding whether a quoted field is
    open at the end of the last one, as the reader reads quotes: one opens a field only
    at its start, a doubled one inside it is a quote, a single one closes it, and one
    inside an unquoted field is text. The reader stops inside a field longer than the
    limit and would start again at the next line, which may be the middle of that field;
    `skip_rest_of_record` passes the lines still inside it. `reset` at each record."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.line = 0  # lines read
        self.opened_at = 0  # the line where the last quoted field opened
        self.reset()

    def reset(self) -> None:
        self.open = False  # inside a quoted field
        self._field_start = True

    def __iter__(self) -> _QuoteState:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.line += 1
        if '"' in line:
            self._scan(line)
        elif not self.open:
            self._field_start = True  # a line without quotes ends its record
        return line

    def _scan(self, line: str) -> None:
        start = 0 if self._field_start else -1  # where the current field starts
        marks = _QUOTING.finditer(line)
        for mark in marks:
            char = mark.group()
            if self.open:
                if char == '"' and line.startswith('"', mark.end()):
                    next(marks)  # a doubled quote: text
                elif char == '"':
                    self.open = False
            elif char == '"':
                self.open = mark.start() == start  # elsewhere, a quote is text
                if self.open:
                    self.opened_at = self.line
            else:  # a comma or a line end outside quotes
                start = mark.end()
        self._field_start = start == len(line)

    def skip_rest_of_record(self) -> None:
        while self.open and next(self, None) is not None:
            pass


def _is_utf8(path: Path) -> bool:
    """True when the whole file is valid UTF-8 (then no record needs checking)."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        with open_regular(path, path.name) as handle:
            for block in read_blocks(handle, path.name):
                decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


TOO_LONG = "a field is longer than"


def _csv_problem(message: str) -> str:
    if "field larger than field limit" in message:
        most = limits.max_field_bytes()
        size = f"{most // 2**20} MiB" if most % 2**20 == 0 else f"{most} bytes"
        return f"{TOO_LONG} {size}"
    return next(
        (reason for key, reason in CSV_PROBLEMS.items() if key in message), "broken quoting"
    )


def _structural_problem(record: list[str], width: int, check_encoding: bool) -> str | None:
    if len(record) > width and not any(record[width:]):
        record = record[:width]
    if len(record) != width:
        return f"has {len(record)} fields, the header has {width}"
    if check_encoding and SURROGATE.search("".join(record)):
        return "not valid UTF-8"
    return None


def _read_csv_with_python(
    con: duckdb.DuckDBPyConnection, path: Path, raw: RawTable, width: int
) -> list[StructuralReject]:
    import pyarrow as pa  # only for files DuckDB's reader cannot take whole

    idents = [raw.ident(name) for name in raw.columns]
    slots = [raw.positions[name] for name in raw.columns]
    schema = pa.schema([(ROW, pa.int64())] + [(ident, pa.string()) for ident in idents])
    columns = ", ".join(f"{ident} VARCHAR" for ident in idents)
    con.execute(
        f"CREATE TEMP TABLE {quote_ident(raw.table)} "
        f"({ROW} BIGINT{', ' + columns if columns else ''})"
    )
    rejects: list[StructuralReject] = []
    numbers: list[int] = []
    records: list[list[str]] = []
    raw.rows = 0

    def flush() -> None:
        if numbers:
            raw.rows = (raw.rows or 0) + len(numbers)
            arrays = [pa.array(numbers, pa.int64())] + [
                pa.array([record[slot] or None for record in records], pa.string())
                for slot in slots
            ]
            con.register("_incoming", pa.Table.from_arrays(arrays, schema=schema))
            con.execute(f"INSERT INTO {quote_ident(raw.table)} SELECT * FROM _incoming")
            con.unregister("_incoming")
            numbers.clear()
            records.clear()

    for row, record, reason, line in _python_records(path, width):
        if record is None:
            rejects.append(StructuralReject(row, reason or "broken record", line=line))
            continue
        numbers.append(row)
        records.append(record)
        if len(numbers) >= BATCH_ROWS:
            flush()
    flush()
    return rejects


def _read_parquet(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, label: str, careful: bool = False
) -> RawTable:
    file = quote_literal(str(path))
    try:
        physical = parquet_schema(con, path)
    except duckdb.Error:
        raise InputError(f"{shown(label)}: not a readable Parquet file") from None
    schema = [(name, fields) for name, fields, _ in physical]
    written = [name for name, _ in schema]
    nested = nested_credentials(schema)
    if len(written) > limits.max_columns():
        raise InputError(
            f"{shown(label)}: the file has {len(written)} columns, more than "
            f"{limits.max_columns()} (limit {limits.variable('columns')})"
        )
    # Fields nested in a column count too: one struct of 300,000 fields is as wide.
    fields = sum(max(1, _leaves(inside)) for _, inside in schema)
    if fields > limits.max_columns():
        raise InputError(
            f"{shown(label)}: the file has {fields} columns and nested fields, more than "
            f"{limits.max_columns()} (limit {limits.variable('columns')})"
        )
    # The names as written, trimmed as a CSV header's are: DuckDB renames a repeated
    # one (`ip`, `ip_1`), which would load the wrong column under the declared name.
    names = [name.strip() for name in written]
    check_names(names, shown(label), column="column")
    nested = {name.strip(): fields for name, fields in nested.items()}
    try:
        described = con.execute(
            f"DESCRIBE SELECT * FROM read_parquet({file}, {NO_HIVE})"
        ).fetchall()
    except duckdb.Error:
        raise InputError(f"{shown(label)}: not a readable Parquet file") from None
    found = [str(r[1]) for r in described]
    if len(found) != len(names):
        raise InputError(f"{shown(label)}: not a readable Parquet file")
    int96 = _utc_int96(con, file, names, [kind for _, _, kind in physical], found)
    found = [INSTANT if name in int96 else kind for name, kind in zip(names, found, strict=True)]
    types = dict(zip(names, found, strict=True))  # by position: DuckDB's names may differ
    kept = [name for name in names if not is_credential(name) and name not in nested]
    credentials = [f for n in names for f in ([n] if is_credential(n) else nested.get(n, []))]
    raw = RawTable(
        table,
        kept,
        credentials,
        {name: names.index(name) for name in kept},
        parquet_types=types,
        is_view=True,
    )
    # Careful: the kept columns DuckDB cannot read are read by pyarrow instead.
    unread = []
    if careful:
        unread = _unreadable_columns(con, file, {n: written[names.index(n)] for n in kept})
        if not unread:
            raise CannotRepair  # each column reads alone: reading again would fail again
    raw.native = {
        name: NATIVE[types[name]] for name in kept if types[name] in NATIVE and name not in unread
    }
    source = f"read_parquet({file}, {ROW_NUMBER} = true, {NO_HIVE})"
    row = f"{ROW_NUMBER} + 1"  # the record index DuckDB adds
    if any(name.casefold() == ROW_NUMBER for name in written):
        # The file's own column takes the name DuckDB gives the record index: its
        # records are held in file order instead, numbered by rowid, under names by
        # position (`f0`, ...), so that a column of the file called `rowid` cannot hide it.
        raw.file_table = f"{table}_file"
        # Only the kept columns: a credential's values are never stored, not even here.
        by_position = ", ".join(
            f"{quote_ident(n)} AS f{i}"
            for i, n in enumerate(written)
            if names[i] in kept and names[i] not in unread
        )
        con.execute(
            f"CREATE TEMP TABLE {quote_ident(raw.file_table)} AS "
            f"SELECT {by_position} FROM read_parquet({file}, {NO_HIVE})"
        )
        source, row = quote_ident(raw.file_table), "rowid + 1"
    in_source = {
        name: f"p.f{i}" if raw.file_table else f"p.{quote_ident(written[i])}"
        for i, name in enumerate(names)
    }
    in_source.update({name: f"timezone('UTC', {in_source[name]})" for name in int96})
    # A view: the file is read once, by the typing query, which reads only the forms
    # of each column it uses.
    texts = [
        f"{_parquet_text(in_source[n], types[n])} AS {raw.ident(n)}"
        for n in kept
        if n not in unread
    ]
    typed = [f"{in_source[n]} AS {raw.native_ident(n)}" for n in raw.native]
    selected = "".join(f", {column}" for column in texts + typed)
    if not unread:
        con.execute(
            f"CREATE TEMP VIEW {quote_ident(table)} AS "
            f"SELECT p.{row} AS {ROW}{selected} FROM {source} AS p"
        )
        return raw
    # The columns pyarrow read join the others by record index; a record holding a
    # value that is not text is left out (`raw.rejects`), as the CSV reader leaves it.
    read = f"{table}_read"
    raw.rejects = _read_parquet_columns(
        con, path, read, {name: (written[raw.positions[name]], raw.ident(name)) for name in unread}
    )
    joined = "".join(f", r.{raw.ident(name)}" for name in unread)
    created = con.execute(
        f"CREATE TEMP TABLE {quote_ident(table)} AS SELECT p.{row} AS {ROW}{selected}{joined} "
        f"FROM {source} AS p JOIN {quote_ident(read)} AS r ON r.{ROW} = p.{row} ORDER BY {ROW}"
    ).fetchone()
    for helper in (read, raw.file_table):
        if helper:
            con.execute(f"DROP TABLE {quote_ident(helper)}")
    raw.rows, raw.is_view, raw.file_table = int(created[0]) if created else None, False, None
    return raw


class CannotRepair(Exception):
    """A Parquet file that DuckDB cannot read is not one the careful reading reads: a
    column that does not read alone is not text or a timestamp in seconds or
    milliseconds (those it reads with pyarrow), or pyarrow cannot read it either."""


# Parquet timestamps whose values DuckDB turns into microseconds, refusing the file when
# one does not fit: microseconds per unit.
TO_MICROSECONDS = {"s": 1_000_000, "ms": 1_000}
INFINITY = 2**63 - 1  # DuckDB reads this value (or its negation) as (-)infinity


def _read_parquet_columns(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, columns: dict[str, tuple[str, str]]
) -> list[StructuralReject]:
    """Read `columns` (name -> the name written in the file, the identifier to give it)
    of a Parquet file with pyarrow, in batches, into the temporary table `table` of their
    text and `_row`. Text is checked to be UTF-8: a record with text that is not is left
    out and returned, naming the column. A timestamp that DuckDB cannot hold in
    microseconds is written out (in DuckDB's form, its year of more than four digits
    failing the ISO 8601 check) as DuckDB writes any other."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    idents = [ident for _, ident in columns.values()]
    con.execute(
        f"CREATE TEMP TABLE {quote_ident(table)} "
        f"({ROW} BIGINT, {', '.join(f'{ident} VARCHAR' for ident in idents)})"
    )
    rejects: list[StructuralReject] = []
    try:
        parquet = pq.ParquetFile(path)
        batches = parquet.iter_batches(CAREFUL_BATCH_ROWS, columns=[w for w, _ in columns.values()])
        first = 1
        for batch in batches:
            count = batch.num_rows
            arrays = {ROW: pa.array(range(first, first + count), pa.int64())}
            selected, bad = [], [False] * count
            for name, (_, ident), values in zip(
                columns, columns.values(), batch.columns, strict=True
            ):
                if pa.types.is_dictionary(values.type):
                    values = values.dictionary_decode()
                if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
                    arrays[ident], wrong = _utf8_text(values)
                    for index in wrong:
                        if not bad[index]:
                            rejects.append(StructuralReject(first + index, UTF8, name))
                        bad[index] = True
                    selected.append(ident)
                elif pa.types.is_timestamp(values.type) and values.type.unit in TO_MICROSECONDS:
                    arrays[ident], arrays[ident + "_o"] = _microseconds(values)
                    zoned = values.type.tz is not None
                    kind = "TIMESTAMP WITH TIME ZONE" if zoned else "TIMESTAMP"
                    selected.append(f"coalesce({ident}_o, {_parquet_text(ident, kind)})")
                else:
                    raise CannotRepair
            incoming = pa.table(arrays)
            if any(bad):
                incoming = incoming.filter(pa.array([not b for b in bad]))
            con.register("_incoming", incoming)
            try:
                con.execute(
                    f"INSERT INTO {quote_ident(table)} SELECT {ROW}, {', '.join(selected)} "
                    "FROM _incoming"
                )
            finally:
                con.unregister("_incoming")
            first += count
    except pa.ArrowMemoryError:  # memory ran out: not the file's fault
        raise MemoryError from None
    except (pa.ArrowException, OSError, ValueError):  # pyarrow cannot read it either
        raise CannotRepair from None
    rejects.sort(key=lambda reject: reject.row)
    return rejects


UTF8 = "not valid UTF-8"


def _utf8_text(values: Any) -> tuple[Any, list[int]]:
    """A pyarrow text array with its values that are not UTF-8 made NULL, and where they
    were (pyarrow reads Parquet text without checking it)."""
    import pyarrow as pa

    try:
        values.validate(full=True)
        return values, []
    except pa.ArrowInvalid:
        pass
    texts: list[str | None] = []
    wrong = []
    binary = pa.large_binary() if pa.types.is_large_string(values.type) else pa.binary()
    for index, value in enumerate(values.view(binary).to_pylist()):
        try:
            texts.append(None if value is None else value.decode("utf-8"))
        except UnicodeDecodeError:
            texts.append(None)
            wrong.append(index)
    return pa.array(texts, pa.large_string()), wrong


def _microseconds(values: Any) -> tuple[Any, Any]:
    """A pyarrow timestamp array in seconds or milliseconds as microseconds (DuckDB's
    unit), with the values that do not fit NULL; and their text, NULL elsewhere."""
    import pyarrow as pa
    import pyarrow.compute as pc

    scale = TO_MICROSECONDS[values.type.unit]
    counts = values.cast(pa.int64())
    infinite = pc.is_in(counts, pa.array([INFINITY, -INFINITY], pa.int64()))
    most = INFINITY // scale
    outside = pc.and_not(pc.or_(pc.greater(counts, most), pc.less(counts, -most)), infinite)
    kept = pc.if_else(outside, pa.scalar(None, pa.int64()), counts)
    micro = pc.if_else(infinite, counts, pc.multiply(kept, scale))
    zone = values.type.tz
    texts = (
        [
            _timestamp_text(count, values.type.unit, zone is not None) if out else None
            for count, out in zip(counts.to_pylist(), outside.to_pylist(), strict=True)
        ]
        if pc.any(outside).as_py()
        else [None] * len(values)
    )
    return micro.cast(pa.timestamp("us", zone)), pa.array(texts, pa.string())


def _timestamp_text(count: int, unit: str, zoned: bool) -> str:
    """The text DuckDB would give a timestamp of `count` `unit`s since 1970 (a wider
    one than it holds), as `_parquet_text` writes it: ISO 8601 but for a year of more
    than four digits, `(BC)` after the date before year 1, `Z` for an instant."""
    per_second = 1_000_000 // TO_MICROSECONDS[unit]
    seconds, part = divmod(count, per_second)
    days, second = divmod(seconds, 86_400)
    year, month, day = _civil_date(days)
    date = (
        f"{year:04d}-{month:02d}-{day:02d}"
        if year > 0
        else f"{1 - year:04d}-{month:02d}-{day:02d} (BC)"
    )
    clock = f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
    if part:
        clock += "." + f"{part:0{len(str(per_second)) - 1}d}".rstrip("0")
    return f"{date} {clock}".replace(" ", "T") + ("Z" if zoned else "")


def _civil_date(days: int) -> tuple[int, int, int]:
    """(year, month, day) of the proleptic Gregorian calendar `days` after 1970-01-01,
    for any number of days (year 0 is 1 BC)."""
    shifted = days + 719_468  # days since 0000-03-01
    era, day_of_era = divmod(shifted, 146_097)
    year_of_era = (
        day_of_era - day_of_era // 1460 + day_of_era // 36_524 - day_of_era // 146_096
    ) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    shifted_month = (5 * day_of_year + 2) // 153  # from March
    day = day_of_year - (153 * shifted_month + 2) // 5 + 1
    month = shifted_month + 3 if shifted_month < 10 else shifted_month - 9
    return year_of_era + era * 400 + (month <= 2), month, day


def _unreadable_columns(
    con: duckdb.DuckDBPyConnection, file: str, columns: dict[str, str]
) -> list[str]:
    """The columns (name -> the name written) of the Parquet file `file` (an SQL literal)
    whose values DuckDB cannot read, each read alone."""
    return [name for name, column in columns.items() if not _reads(con, file, column)]


def _reads(con: duckdb.DuckDBPyConnection, file: str, column: str) -> bool:
    try:  # hashing every value decodes it
        con.execute(f"SELECT max(hash({quote_ident(column)})) FROM read_parquet({file}, {NO_HIVE})")
    except duckdb.Error as error:
        if resource_problem(error):
            raise
        return False
    return True


def unreadable_parquet_column(con: duckdb.DuckDBPyConnection, path: Path) -> str | None:
    """The first column of a Parquet file whose values cannot be read (text that is not
    UTF-8, say), found by reading each in turn; None if each reads alone."""
    try:
        names = parquet_column_names(con, path)
    except duckdb.Error:
        return None
    file = quote_literal(str(path))
    return next((name for name in names if not _reads(con, file, name)), None)


def parquet_column_names(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """The top-level column names of a Parquet file, as its schema holds them."""
    return [name for name, _ in parquet_columns(con, path)]


def parquet_columns(con: duckdb.DuckDBPyConnection, path: Path) -> list[tuple[str, list[str]]]:
    """Each top-level column of a Parquet file, in file order and as often as the file
    names it (a name written twice is refused by the reader, naming both positions), with
    the dotted paths of the fields nested in it (`auth.password_hash`; a list's
    `list.element` levels included)."""
    return [(name, fields) for name, fields, _ in parquet_schema(con, path)]


def _utc_int96(
    con: duckdb.DuckDBPyConnection,
    file: str,
    names: list[str],
    physical: list[str | None],
    found: list[str],
) -> set[str]:
    """The columns stored as INT96 that hold UTC instants. Spark and Hive write them so,
    though DuckDB types them as naive TIMESTAMP: read in UTC, not the manifest's zone.
    Impala writes the wall-clock time as it is (its `created_by`: `impala version 4.1`):
    its INT96 values are local, as other naive ones."""
    int96 = {
        name
        for name, kind, typed in zip(names, physical, found, strict=True)
        if kind == "INT96" and typed == "TIMESTAMP"
    }
    if not int96:
        return int96
    writer = con.execute(f"SELECT created_by FROM parquet_file_metadata({file})").fetchone()
    by_impala = bool(writer and writer[0] and str(writer[0]).lower().startswith("impala"))
    return set() if by_impala else int96


def parquet_schema(
    con: duckdb.DuckDBPyConnection, path: Path
) -> list[tuple[str, list[str], str | None]]:
    """As `parquet_columns`, with each top-level column's physical type (`INT96`,
    `BYTE_ARRAY`; None for a group). The schema lists every element depth first, each
    followed by its children."""
    elements = con.execute(
        f"SELECT name, num_children, type FROM parquet_schema({quote_literal(str(path))})"
    ).fetchall()
    columns: list[tuple[str, list[str], str | None]] = []
    if not elements:
        return columns
    left = [elements[0][1] or 0]  # children still to come at each open level
    trail: list[str] = []  # the names of the open levels below the root
    for name, children, physical in elements[1:]:
        path_here = [*trail[: len(left) - 1], str(name)]
        if len(left) == 1:
            columns.append((str(name), [], None if physical is None else str(physical)))
        else:
            columns[-1][1].append(".".join(path_here))
        left[-1] -= 1
        if children:
            left.append(children)
            trail = path_here
        while len(left) > 1 and left[-1] <= 0:
            left.pop()
    return columns


def _leaves(paths: list[str]) -> int:
    """The fields of `paths` (depth first, each before its children) holding values: a
    list's `list` level or a struct is not one."""
    return sum(not later.startswith(path + ".") for path, later in pairwise([*paths, ""]))


def nested_credentials(columns: list[tuple[str, list[str]]]) -> dict[str, list[str]]:
    """The columns holding a nested field named like credential material (its own name,
    the last part of its path), with those fields: such a column is credential material
    whole, though its own name is not."""
    found = {
        name: [f for f in fields if is_credential(f.rsplit(".", 1)[-1])]
        for name, fields in columns
        if not is_credential(name)
    }
    return {name: fields for name, fields in found.items() if fields}


def _parquet_text(column: str, kind: str) -> str:
    """SQL rendering the Parquet column `column` (an SQL expression) of type `kind` as
    text; a timestamp in ISO 8601 (`T` between date and time), as an extra column
    reaches a subject-access pack. An instant (timestamp with time zone) is written in
    UTC with a `Z`, whatever the session's time zone, so it keeps its instant;
    nanoseconds are cut to the microsecond first, as in text (a cast would round them,
    perhaps into the next day)."""
    if kind.startswith(("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ")) and "[" not in kind:
        instant = f"CAST(date_trunc('microseconds', {column}) AS TIMESTAMPTZ)"
        return f"replace(CAST(timezone('UTC', {instant}) AS VARCHAR), ' ', 'T') || 'Z'"
    if kind.startswith("TIMESTAMP") and "[" not in kind and "(" not in kind:
        return f"replace(CAST({column} AS VARCHAR), ' ', 'T')"  # ISO 8601, as text has it
    if is_nested(kind):  # JSON: each value inside stays one value (DEID-001 looks at each)
        if "DECIMAL(" in _unquoted(kind):  # as text, as at the top level (JSON: `1001.0`)
            as_text = _DECIMAL.sub(lambda m: m[0] if m[0].startswith('"') else "VARCHAR", kind)
            column = f"CAST({column} AS {as_text})"
        return f"CAST(to_json({column}) AS VARCHAR)"
    return f"CAST({column} AS VARCHAR)"


# A decimal type, or a quoted field name (left as it is: `"DECIMAL(1,2)" INTEGER`).
_QUOTED = r'"(?:[^"]|"")*"'
_DECIMAL = re.compile(_QUOTED + r"|DECIMAL\(\d+,\s*\d+\)")


def _unquoted(kind: str) -> str:
    """A DuckDB type without its quoted field names."""
    return re.sub(_QUOTED, '""', kind)


def is_nested(kind: str) -> bool:
    """Whether DuckDB type `kind` holds values inside values: a struct, map, union, list
    or fixed-size array."""
    return kind.endswith("]") or kind.startswith(("STRUCT(", "MAP(", "UNION("))


def count_records(path: Path, label: str | None = None, *, whole: bool = False) -> int:
    """The number of data records of an export file, read exactly as the loader reads it,
    on a cursor of this process's counting database. Messages name the file `label`
    (default: its name; a dataset's is `deidentified/<name>.csv`, not to be taken for a
    table's file). DuckDB reads `*`, `?` and `[` in a path as a glob: a path holding one
    is read through a copy with a plain name. `whole` (for a manifest, which vouches for
    the count) refuses a CSV file with a quoted field never closed: it swallows the rest
    of the file into one record, so its records cannot be counted."""
    label = label or path.name
    if set("*?[]{}") & set(str(path)):
        with tempfile.TemporaryDirectory(prefix="insight-count-") as folder:
            plain = Path(folder) / f"file{path.suffix}"
            shutil.copyfile(path, plain)
            return _count_records(plain, label, whole)
    return _count_records(path, label, whole)


@cache
def _counting_database() -> duckdb.DuckDBPyConnection:
    """An in-memory database for counting records, opened once: opening one costs more
    than counting a small file. Each count uses a cursor of its own (its temporary
    relations go with it when it closes), so threads may count at the same time."""
    return duckdb.connect(config={"preserve_insertion_order": True})


def _count_records(path: Path, label: str, whole: bool) -> int:
    cursor = _counting_database().cursor()
    try:
        raw = read_file(cursor, path, "_counted", label, relation_if_empty=False, numbered=False)
        unclosed = next((r for r in raw.rejects if r.reason == UNTERMINATED), None)
        if whole and unclosed is not None:
            raise InputError(
                f"{shown(label)}: a quoted field opened on line {unclosed.line} (record "
                f"{unclosed.row}) is never closed, so the rest of the file reads as one "
                "record; its records cannot be counted (close the quote and export again)"
            )
        return raw.records(cursor)
    except duckdb.Error as error:
        if path.suffix != ".parquet" or resource_problem(error):
            raise InputError(f"{shown(label)}: the file could not be read") from None
    finally:
        cursor.close()
    cursor = _counting_database().cursor()  # a fresh one: the first holds the failed view
    try:  # as the loader reads it after a failure (`read_file`'s `careful`)
        raw = read_file(cursor, path, "_counted", label, numbered=False, careful=True)
        return raw.records(cursor)
    except (duckdb.Error, CannotRepair):
        raise InputError(f"{shown(label)}: the file could not be read") from None
    finally:
        cursor.close()


def drop_raw(con: duckdb.DuckDBPyConnection, raw: RawTable) -> None:
    """Drop an untyped relation (a view or a table) and the file table under it."""
    if raw.header_only:
        return
    kind = "VIEW" if raw.is_view else "TABLE"
    con.execute(f"DROP {kind} IF EXISTS {quote_ident(raw.table)}")
    if raw.file_table:
        con.execute(f"DROP TABLE IF EXISTS {quote_ident(raw.file_table)}")
