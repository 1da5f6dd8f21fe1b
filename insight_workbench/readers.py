"""Reading export files into untyped DuckDB tables, record by record.

Every file becomes a table of VARCHAR columns plus its record index, and a list
of the records that could not be read at all (wrong field count, broken quoting,
bad encoding). Nothing is guessed: the dialect is fixed by the contract and
DuckDB never sniffs it. Typing happens afterwards, in `typing_sql.py`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from insight_workbench.errors import InputError
from insight_workbench.schema import is_credential

MAX_FIELD_BYTES = 16 * 1024 * 1024
BATCH_ROWS = 100_000


@dataclass
class StructuralReject:
    row: int  # 1-based record index, header not counted
    reason: str


@dataclass
class RawTable:
    """An export file read as text: `table` holds `_row` and one VARCHAR column each."""

    table: str
    columns: list[str]  # the file's columns, credential columns left out
    credential_columns: list[str]
    rejects: list[StructuralReject] = field(default_factory=list)
    parquet_types: dict[str, str] = field(default_factory=dict)

    def records(self, con: duckdb.DuckDBPyConnection) -> int:
        loaded = con.execute(f"SELECT count(*) FROM {quote_ident(self.table)}").fetchone()
        return int(loaded[0] if loaded else 0) + len(self.rejects)


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def read_header(path: Path) -> list[str]:
    """The column names of a CSV file's header row; refuses an empty or malformed header."""
    with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        try:
            header = next(csv.reader(handle, strict=True))
        except StopIteration:
            raise InputError(f"{path.name}: the file is empty (no header row)") from None
        except csv.Error:
            raise InputError(f"{path.name}: the header row is not valid CSV") from None
    names = [name.strip() for name in header]
    if any("\udc80" <= ch <= "\udcff" for name in names for ch in name):
        raise InputError(f"{path.name}: the header row is not valid UTF-8")
    for position, name in enumerate(names, start=1):
        if not name:
            raise InputError(f"{path.name}: header column {position} has no name")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(f"{path.name}: column '{name}' appears twice in the header")
        seen.add(name)
    return names


def read_file(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> RawTable:
    """Read one CSV or Parquet export into the untyped table `table`."""
    if path.suffix == ".parquet":
        return _read_parquet(con, path, table)
    return _read_csv(con, path, table)


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> RawTable:
    header = read_header(path)
    kept = [name for name in header if not is_credential(name)]
    raw = RawTable(table, kept, [name for name in header if is_credential(name)])
    try:
        _read_csv_with_duckdb(con, path, table, header, kept)
    except duckdb.Error:
        # The file breaks the dialect somewhere: read it record by record instead,
        # so that only the broken records are quarantined.
        drop_raw(con, table)
        raw.rejects = _read_csv_with_python(con, path, table, header, kept)
    return raw


def _read_csv_with_duckdb(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, header: list[str], kept: list[str]
) -> None:
    columns = ", ".join(f"{quote_literal(name)}: 'VARCHAR'" for name in header)
    selected = ", ".join(quote_ident(name) for name in kept)
    base = quote_ident(table + "__file")
    con.execute(
        f"CREATE TABLE {base} AS SELECT {selected} FROM read_csv("
        f"{quote_literal(str(path))}, header = true, auto_detect = false, delim = ',', "
        f"quote = '\"', escape = '\"', strict_mode = true, encoding = 'utf-8', "
        f"max_line_size = {MAX_FIELD_BYTES}, columns = {{{columns}}})"
    )
    # With insertion order preserved, rowid follows the file's record order.
    con.execute(f"CREATE VIEW {quote_ident(table)} AS SELECT rowid + 1 AS _row, * FROM {base}")


def _read_csv_with_python(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, header: list[str], kept: list[str]
) -> list[StructuralReject]:
    csv.field_size_limit(MAX_FIELD_BYTES)
    positions = [header.index(name) for name in kept]
    names = ["_row", *kept]
    schema = pa.schema([("_row", pa.int64())] + [(name, pa.string()) for name in kept])
    con.execute(
        f"CREATE TABLE {quote_ident(table)} ("
        + ", ".join(
            f"{quote_ident(n)} {'BIGINT' if n == '_row' else 'VARCHAR'}" for n in names
        )
        + ")"
    )
    rejects: list[StructuralReject] = []
    batch: list[list[object]] = [[] for _ in names]

    def flush() -> None:
        if batch[0]:
            arrow = pa.Table.from_arrays([pa.array(col) for col in batch], schema=schema)
            con.register("_incoming", arrow)
            con.execute(f"INSERT INTO {quote_ident(table)} SELECT * FROM _incoming")
            con.unregister("_incoming")
            for col in batch:
                col.clear()

    text = path.read_bytes().decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    next(reader)  # the header, read already
    row = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error:
            row += 1
            rejects.append(StructuralReject(row, "broken quoting"))
            continue
        row += 1
        reason = _structural_problem(record, len(header))
        if reason:
            rejects.append(StructuralReject(row, reason))
            continue
        batch[0].append(row)
        for slot, position in enumerate(positions, start=1):
            batch[slot].append(record[position] or None)
        if len(batch[0]) >= BATCH_ROWS:
            flush()
    flush()
    return rejects


def _structural_problem(record: list[str], expected: int) -> str | None:
    if len(record) != expected:
        return f"has {len(record)} fields, the header has {expected}"
    for value in record:
        if any("\udc80" <= ch <= "\udcff" for ch in value):
            return "not valid UTF-8"
    return None


def _read_parquet(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> RawTable:
    try:
        described = con.execute(
            f"DESCRIBE SELECT * FROM read_parquet({quote_literal(str(path))})"
        ).fetchall()
    except duckdb.Error:
        raise InputError(f"{path.name}: not a readable Parquet file") from None
    types = {str(row[0]): str(row[1]) for row in described}
    kept = [name for name in types if not is_credential(name)]
    raw = RawTable(
        table, kept, [name for name in types if is_credential(name)], parquet_types=types
    )
    # Timestamps with a zone are rendered as UTC text, which keeps their instant.
    con.execute("SET TimeZone = 'UTC'")
    selected = ", ".join(f"CAST({quote_ident(name)} AS VARCHAR) AS {quote_ident(name)}" for name in kept)
    con.execute(
        f"CREATE TABLE {quote_ident(table)} AS SELECT file_row_number + 1 AS _row"
        + (f", {selected}" if selected else "")
        + f" FROM read_parquet({quote_literal(str(path))}, file_row_number = true)"
    )
    return raw


def count_records(path: Path) -> int:
    """The number of data records of an export file, as the loader will see them."""
    con = duckdb.connect()
    try:
        raw = read_file(con, path, "counted")
        return raw.records(con)
    finally:
        con.close()


def drop_raw(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Drop an untyped table (a view over the file's table, or a table) and its file table."""
    kind = con.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_name = ?", [table]
    ).fetchone()
    if kind:
        con.execute(f"DROP {'VIEW' if kind[0] == 'VIEW' else 'TABLE'} {quote_ident(table)}")
    con.execute(f"DROP TABLE IF EXISTS {quote_ident(table + '__file')}")
