"""Reading a CSV file record by record with Python, when DuckDB's reader refuses it.

DuckDB reads a file whole or not at all: one broken record (wrong field count, broken
quoting, bad UTF-8, a field over the size limit) fails the file. Python's `csv` reads it
again here, streaming, in batches: a broken record becomes a structural reject, every
other record loads. On a valid file the relation is the one DuckDB gives: blank lines
are not records in a file of several columns, and trailing empty fields are dropped.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb

from insight_workbench.loading import limits
from insight_workbench.loading.bounded import open_regular
from insight_workbench.loading.raw_tables import (
    ROW,
    SURROGATE,
    RawTable,
    StructuralReject,
    quote_ident,
)
from insight_workbench.loading.safe_files import read_blocks

BATCH_ROWS = 100_000
UNTERMINATED = "unterminated quoted field"
CSV_PROBLEMS = {  # Python's csv messages (never a value) -> the reason recorded
    "unexpected end of data": UNTERMINATED,
    "expected after": "text after a closing quote",
}


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


def read_csv_with_python(
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
