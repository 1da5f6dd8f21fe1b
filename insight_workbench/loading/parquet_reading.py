"""Reading a Parquet export into an untyped relation: a view over DuckDB's read.

The column names come from the file's own schema, checked as a CSV header's are; a
column holding a field named like credential material is credential material whole.
Each kept column is rendered as text (`parquet_types`). A Parquet column that already
holds an instant, a date or a boolean is also kept as it is (`n0`, `n1`, ...), so
typing it needs no round trip through text. A column stored as INT96 holds UTC
instants unless Impala wrote it. The columns DuckDB cannot read come from pyarrow
when the file is read carefully (`parquet_repair`).
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import duckdb

from insight_workbench.errors import InputError, resource_problem
from insight_workbench.loading import limits
from insight_workbench.loading.parquet_repair import CannotRepair, read_parquet_columns
from insight_workbench.loading.parquet_types import parquet_text
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

ROW_NUMBER = "file_row_number"  # the record index DuckDB adds to a Parquet file read
# Parquet types that hold a declared type exactly (a naive TIMESTAMP is read in the
# manifest's time zone, through its text; one stored as INT96 is an instant unless
# Impala wrote it).
INSTANT = "TIMESTAMP WITH TIME ZONE"
NATIVE = {INSTANT: "timestamp", "DATE": "date", "BOOLEAN": "bool"}


def read_parquet(
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
        f"{parquet_text(in_source[n], types[n])} AS {raw.ident(n)}" for n in kept if n not in unread
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
    raw.rejects = read_parquet_columns(
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
