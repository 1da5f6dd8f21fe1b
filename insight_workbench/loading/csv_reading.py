"""Reading a CSV export into an untyped relation: its header, then DuckDB's strict read.

The header row is read with Python's `csv` and its names checked. Nothing is guessed:
the dialect is fixed by the contract and DuckDB never sniffs it. A file that breaks the
dialect anywhere, or whose header holds a line break, is read record by record instead
(`csv_records`). A reader that asks for no `_row` column (`numbered=False`) has a
file DuckDB reads whole left as the table of its records, without the view naming its
record index, which the query that reads it computes (`RawTable.row`).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from insight_workbench.errors import InputError
from insight_workbench.loading import limits
from insight_workbench.loading.bounded import csv_header
from insight_workbench.loading.csv_records import read_csv_with_python
from insight_workbench.loading.raw_tables import (
    NO_HIVE,
    ROW,
    RawTable,
    check_names,
    quote_ident,
    quote_literal,
    shown,
)
from insight_workbench.loading.schema import is_credential


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


def _csv_source(path: Path, width: int) -> str:
    """read_csv with the contract's dialect and no sniffing; every column VARCHAR."""
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width))
    return (
        f"read_csv({quote_literal(str(path))}, header = true, auto_detect = false, "
        f"delim = ',', quote = '\"', escape = '\"', strict_mode = true, encoding = 'utf-8', "
        f"max_line_size = {limits.max_field_bytes()}, columns = {{{columns}}}, {NO_HIVE})"
    )


def read_csv(
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
        raw.rejects = read_csv_with_python(con, path, raw, len(header))
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
        raw.rejects = read_csv_with_python(con, path, raw, len(header))
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
