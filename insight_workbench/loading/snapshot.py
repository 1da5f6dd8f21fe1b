"""Typing a verified snapshot into DuckDB, bad rows quarantined, and reading it back.

`load_tables` fills a workspace database (see `workspace.py`, which verifies the
files and calls it once per snapshot); `snapshot_from_database` gives the
`Snapshot` of an opened workspace. The database holds one typed table per table of
`docs/snapshot-format.md` (optional ones empty when absent, an optional column
NULL when absent), `rejects` (table_name, row_number, column_name, value,
reason), `load_report` (table_name, rows_in_file, rows_loaded, rows_rejected),
`credential_columns` (table_name, column_name), `deidentified_datasets`
(name, file, table_name, meta) with one all-VARCHAR table per dataset,
`unread_datasets` (name, file, position, looks_like: those whose header row looks like
data, not loaded; `data_headers.py`),
`iw_held`, the rows of personal data held per user (`held_rows.py`),
`iw_failed_logins`, the failed logins stored apart (`failed_logins.py`), and
`iw_email_keys`, each user's address as compared (`email_keys.py`). What
rebuilds the `Snapshot` object besides is kept in `extra_columns`,
`dataset_columns` and `snapshot_files` (every file loaded, with its sha256 and
whether the manifest lists it). The session time zone is UTC.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from insight_workbench.emails import define_email_key
from insight_workbench.errors import InputError, resource_problem
from insight_workbench.loading import manifest as mf
from insight_workbench.loading.bounded import csv_header, read_json
from insight_workbench.loading.coercion import check_columns, type_table
from insight_workbench.loading.csv_reading import header_cells
from insight_workbench.loading.csv_records import python_records
from insight_workbench.loading.data_headers import UnreadDataset, data_like_header
from insight_workbench.loading.email_keys import store_email_keys
from insight_workbench.loading.failed_logins import store_failed_logins
from insight_workbench.loading.held_rows import store_held_rows
from insight_workbench.loading.parquet_reading import (
    parquet_column_names,
    unreadable_parquet_column,
)
from insight_workbench.loading.parquet_repair import CannotRepair
from insight_workbench.loading.raw_tables import ROW, RawTable, quote_ident, shown
from insight_workbench.loading.readers import drop_raw, read_file
from insight_workbench.loading.schema import SQL_TYPES, TABLES, Table, is_credential
from insight_workbench.loading.statements import insert_rows, row_count, transaction
from insight_workbench.loading.verified_files import VerifiedFile
from insight_workbench.progress import OnStep, Steps

T = TypeVar("T")


@dataclass(frozen=True)
class DeidentifiedDataset:
    name: str  # file name without extension
    file: str  # path relative to the snapshot
    table: str  # the DuckDB table holding it, every column VARCHAR
    columns: tuple[str, ...]
    meta: dict[str, Any] | None  # the parsed `.meta.json` sidecar, if any
    # Parquet columns of structs, maps or lists: each value is held as JSON text.
    nested: tuple[str, ...] = ()
    keyed: tuple[str, ...] = ()  # those holding a map: its keys are data too


@dataclass(frozen=True)
class TableLoad:
    table: str
    file: str
    rows_in_file: int
    rows_loaded: int
    rows_rejected: int


@dataclass
class Snapshot:
    """A loaded snapshot. Use `cursor()` per thread or script run: a DuckDB connection
    must not be shared by concurrent users."""

    path: Path
    manifest: mf.Manifest
    con: duckdb.DuckDBPyConnection
    loads: dict[str, TableLoad]
    credential_columns: list[tuple[str, str]]
    deidentified: list[DeidentifiedDataset]
    extra_columns: dict[str, list[str]] = field(default_factory=dict)
    # Datasets whose header row looks like data: not loaded (DEID-001 names them).
    unread: list[UnreadDataset] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor in UTC (the workspace's connection is set so, then locked)."""
        with self._lock:
            return self.con.cursor()

    @property
    def rows_loaded(self) -> dict[str, int]:
        return {name: load.rows_loaded for name, load in self.loads.items()}

    @property
    def rows_rejected(self) -> dict[str, int]:
        return {name: load.rows_rejected for name, load in self.loads.items()}


def load_snapshot(path: str | Path) -> Snapshot:
    """The snapshot at `path`, through its workspace: the same as `open_snapshot`."""
    from insight_workbench.loading.workspace import open_snapshot

    return open_snapshot(path)


def load_tables(
    con: duckdb.DuckDBPyConnection,
    manifest: mf.Manifest,
    files: dict[str, VerifiedFile],
    on_step: OnStep | None = None,
) -> None:
    """Type every table and dataset from the verified copies `files` into `con`; raises
    `InputError` for an unusable snapshot. Messages name the snapshot's own files.
    `on_step` hears of each table and dataset once it is loaded."""
    datasets = [key for key in files if key.startswith("deidentified/")]
    steps = Steps(len(TABLES) + len(datasets), on_step)
    con.execute(
        "CREATE TABLE rejects (table_name VARCHAR, row_number BIGINT, "
        "column_name VARCHAR, value VARCHAR, reason VARCHAR)"
    )
    loads: dict[str, TableLoad] = {}
    credentials: list[tuple[str, str]] = []
    extras: dict[str, list[str]] = {}
    for name, table in TABLES.items():
        file = files.get(name)
        if file is None:
            _create_empty(con, table, [])
            loads[name] = TableLoad(name, "", 0, 0, 0)
            steps.finished(name)
            continue
        original = file.source.path
        with _database_errors(original.name, name, con, file.copy):
            _check_parquet_rows(con, file, name, original.name)
            load = partial(_read_and_type, con, table, file, manifest.timezone)
            raw, loads[name], extras[name] = _carefully_if_need_be(con, file.copy, name, load)
            credentials += [(name, c) for c in raw.credential_columns]
        _check_rows(file.entry, loads[name])
        steps.finished(name)
    deidentified, unread = [], []
    for key in datasets:
        file = files[key]
        with _database_errors(file.source.relative, key, con, file.copy):
            looks = _data_like_header(con, file)
            if looks is None:
                _check_parquet_rows(con, file, key, file.source.relative)
                deidentified.append(
                    _carefully_if_need_be(
                        con,
                        file.copy,
                        key,
                        partial(_load_dataset, con, file, credentials, loads),
                        f"deidentified__{key.removeprefix('deidentified/')}",
                    )
                )
            else:
                _check_unread(con, file, key, looks[2])
                name, relative = key.removeprefix("deidentified/"), file.source.relative
                unread.append(UnreadDataset(name, relative, *looks[:2]))
        steps.finished(key)
    define_email_key(con)  # for iw_email_keys, outside the transaction: it probes by failing
    with transaction(con):
        store_held_rows(con)
        store_failed_logins(con)
        store_email_keys(con)
        _write_reports(con, loads, credentials, deidentified, unread)
        _write_rebuild_tables(con, extras, deidentified, files)


def snapshot_from_database(
    con: duckdb.DuckDBPyConnection, folder: Path, manifest: mf.Manifest
) -> Snapshot:
    """The `Snapshot` of a workspace database that `load_tables` filled."""
    loads = {
        row[0]: TableLoad(row[0], row[1], int(row[2]), int(row[3]), int(row[4]))
        for row in con.execute(
            "SELECT table_name, file, rows_in_file, rows_loaded, rows_rejected "
            "FROM load_report ORDER BY rowid"
        ).fetchall()
    }
    credentials = [
        (str(t), str(c))
        for t, c in con.execute(
            "SELECT table_name, column_name FROM credential_columns ORDER BY rowid"
        ).fetchall()
    ]
    extras: dict[str, list[str]] = {}
    for table, column in con.execute(
        "SELECT table_name, column_name FROM extra_columns ORDER BY rowid"
    ).fetchall():
        extras.setdefault(table, []).append(column)
    columns: dict[str, list[str]] = {}
    nested: dict[str, list[str]] = {}
    keyed: dict[str, list[str]] = {}
    for table, column, is_nested, is_keyed in con.execute(
        "SELECT table_name, column_name, nested, keyed FROM dataset_columns ORDER BY rowid"
    ).fetchall():
        columns.setdefault(table, []).append(column)
        if is_nested:
            nested.setdefault(table, []).append(column)
        if is_keyed:
            keyed.setdefault(table, []).append(column)
    deidentified = [
        DeidentifiedDataset(
            name,
            file,
            table,
            tuple(columns.get(table, [])),
            json.loads(meta) if meta else None,
            tuple(nested.get(table, [])),
            tuple(keyed.get(table, [])),
        )
        for name, file, table, meta in con.execute(
            "SELECT name, file, table_name, meta FROM deidentified_datasets ORDER BY rowid"
        ).fetchall()
    ]
    unread = [
        UnreadDataset(str(name), str(file), int(position), str(looks_like))
        for name, file, position, looks_like in con.execute(
            "SELECT name, file, position, looks_like FROM unread_datasets ORDER BY rowid"
        ).fetchall()
    ]
    return Snapshot(folder, manifest, con, loads, credentials, deidentified, extras, unread=unread)


@contextmanager
def _database_errors(
    file: str,
    table: str,
    con: duckdb.DuckDBPyConnection | None = None,
    copy: Path | None = None,
) -> Iterator[None]:
    """A file DuckDB cannot read becomes an `InputError` naming file (as the snapshot
    holds it: `users.csv`, `deidentified/x.parquet`) and table (and, for
    a Parquet file, the first column that cannot be read: `copy` read on `con`). DuckDB's
    own message is left out: it may quote a line of the file (personal data)."""
    try:
        yield
    except duckdb.Error as error:
        if resource_problem(error):  # not the file's fault: the build names what ran out
            raise
        column = None
        if con is not None and copy is not None and copy.suffix == ".parquet":
            column = unreadable_parquet_column(con, copy)
        where = f": column '{column}' cannot be read" if column else ""
        raise InputError(
            f"{shown(file)}: table '{table}' could not be loaded{where} ({type(error).__name__})"
        ) from None


def _carefully_if_need_be(
    con: duckdb.DuckDBPyConnection,
    copy: Path,
    key: str,
    load: Callable[[bool], T],
    table: str | None = None,
) -> T:
    """`load(False)`; for a Parquet file DuckDB cannot read whole, `load(True)` after
    it, which reads the columns DuckDB cannot read with pyarrow (`readers.read_file`'s
    `careful`): a value in one of them that is not UTF-8, or a timestamp too far off for
    DuckDB, then quarantines its own record only. The first error stands when the file
    cannot be read so either. The fast reading costs nothing more for every other file.
    `key` names the table in `rejects`; `table` is the typed table (default: `key`)."""
    try:
        return load(False)
    except duckdb.Error as error:
        if copy.suffix != ".parquet" or resource_problem(error):
            raise
        first = error
    _discard(con, key, table or key)
    try:
        return load(True)
    except CannotRepair:
        _discard(con, key, table or key)
        raise first from None


def _discard(con: duckdb.DuckDBPyConnection, key: str, table: str) -> None:
    """What a failed load of typed table `table` may have left: its relations, and its
    rejects (under `key`)."""
    relations = [f"_raw_{table}", f"_raw_{table}_file", f"_raw_{table}_read", table]
    for name, kind in con.execute(
        "SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE table_name IN $names "
        "UNION ALL SELECT view_name, 'VIEW' FROM duckdb_views() WHERE view_name IN $names",
        {"names": relations},
    ).fetchall():
        con.execute(f"DROP {kind} IF EXISTS {quote_ident(name)}")
    con.execute("DELETE FROM rejects WHERE table_name = ?", [key])


def _create_empty(con: duckdb.DuckDBPyConnection, table: Table, extras: list[str]) -> None:
    """The typed table of a file without records: the columns typing would give (every
    declared column in its type, then the file's other columns as text)."""
    columns = [f"{quote_ident(c.name)} {SQL_TYPES[c.type]}" for c in table.columns]
    columns += [f"{quote_ident(name)} VARCHAR" for name in extras]
    con.execute(f"CREATE TABLE {quote_ident(table.name)} ({', '.join(columns)})")


def _read_and_type(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    file: VerifiedFile,
    timezone: str,
    careful: bool,
) -> tuple[RawTable, TableLoad, list[str]]:
    """Read `file` (see `read_file`'s `careful`) and type it into `table`."""
    raw = read_file(
        con,
        file.copy,
        f"_raw_{table.name}",
        file.source.path.name,
        relation_if_empty=False,
        numbered=False,
        careful=careful,
    )
    return raw, *_type_table(con, table, raw, file.source.path, timezone)


def _type_table(
    con: duckdb.DuckDBPyConnection, table: Table, raw: RawTable, file: Path, timezone: str
) -> tuple[TableLoad, list[str]]:
    check_columns(table, raw, file)
    name = table.name
    declared = {c.name for c in table.columns}
    extras = [c for c in raw.columns if c not in declared]
    if raw.rows == 0 and not raw.rejects:
        # Nothing to type or quarantine: the typing query's statements would cost a
        # small snapshot (most of its tables empty) most of its load.
        _create_empty(con, table, extras)
        drop_raw(con, raw)
        return TableLoad(name, file.name, 0, 0, 0), extras
    insert_rows(con, "rejects", [(name, r.row, r.column, None, r.reason) for r in raw.rejects])
    read, quarantined = type_table(con, table, raw, timezone)
    drop_raw(con, raw)
    records, loaded = read + len(raw.rejects), read - quarantined
    if not raw.rejects and not quarantined:
        return TableLoad(name, file.name, records, loaded, 0), extras  # `rejects` has none
    rejected = row_count(
        con, "SELECT count(DISTINCT row_number) FROM rejects WHERE table_name = ?", [name]
    )
    if loaded + rejected != records:  # the loader's own promise; never expected to fail
        raise AssertionError(f"{name}: {loaded} loaded + {rejected} rejected != {records} rows")
    return TableLoad(name, file.name, records, loaded, rejected), extras


def _check_rows(entry: mf.ManifestEntry | None, load: TableLoad) -> None:
    if entry is not None and entry.rows != load.rows_in_file:
        raise _rows_differ(load.table, load.file, load.rows_in_file, entry.rows)


def _check_parquet_rows(
    con: duckdb.DuckDBPyConnection, file: VerifiedFile, table: str, label: str
) -> None:
    """A listed Parquet file's row count, from its footer, against the manifest's, before
    anything is typed: a few hundred kilobytes of Parquet can hold tens of millions of
    rows, which would be read and typed in full only to be refused."""
    if file.entry is None or file.copy.suffix.lower() != ".parquet":
        return
    try:
        found = con.execute(
            "SELECT coalesce(sum(num_rows), 0) FROM parquet_file_metadata($path)",
            {"path": str(file.copy)},
        ).fetchone()
    except duckdb.Error:  # not a Parquet file: reading it says so, naming the file
        return
    rows = int(found[0]) if found else 0
    if rows != file.entry.rows:
        raise _rows_differ(table, label, rows, file.entry.rows)


def _rows_differ(table: str, file: str, rows: int, expected: int) -> InputError:
    return InputError(f"{table}: {file} has {rows} rows, the manifest expects {expected}")


def _data_like_header(
    con: duckdb.DuckDBPyConnection, file: VerifiedFile
) -> tuple[int, str, list[str]] | None:
    """Where and why the dataset's header row (a CSV file's first row, a Parquet file's
    column names) looks like a row of data, and its cells; None when it names columns.
    Read before anything else of the file: no check of the names may quote one back."""
    label = file.source.relative
    if file.copy.suffix == ".parquet":
        try:
            cells = parquet_column_names(con, file.copy)
        except duckdb.Error:  # reading it says so, naming the file
            return None
    else:
        cells = header_cells(file.copy, label)
    looks = data_like_header(con, cells)
    return None if looks is None else (*looks, cells)


def _check_unread(
    con: duckdb.DuckDBPyConnection, file: VerifiedFile, key: str, cells: list[str]
) -> None:
    """What can be checked of a dataset left unread without quoting its header: the
    manifest's row count and the sidecar's form. A Parquet file's count is in its footer,
    exact. A CSV file's first line is data, its header missing, so the manifest may have
    counted it as the header or as a row: either count stands, any other is a file cut
    short or altered. A sidecar may name columns only among the header's `cells`; a name
    it lacks is the sidecar's own text, never a cell, so the message may quote it."""
    label = file.source.relative
    _check_parquet_rows(con, file, key, label)
    if file.entry is not None and file.copy.suffix.lower() != ".parquet":
        # The records after the first line, as the loader counts them; the first line's
        # cells are not checked as names (empty or repeated cells are data there), and
        # all of them count for its width, the empty ones at its end too (a file of one
        # column would take its blank lines for records).
        first, _ = csv_header(file.copy, label)
        rows = sum(1 for _ in python_records(file.copy, len(first or cells)))
        if file.entry.rows not in (rows, rows + 1):
            raise _rows_differ(key, label, rows, file.entry.rows)
    _read_meta(file.sidecar_copy, file.source.sidecar or "", label, cells)


def _load_dataset(
    con: duckdb.DuckDBPyConnection,
    file: VerifiedFile,
    credentials: list[tuple[str, str]],
    loads: dict[str, TableLoad],
    careful: bool = False,
) -> DeidentifiedDataset:
    key = file.source.key
    name = key.removeprefix("deidentified/")
    table = f"deidentified__{name}"
    label = file.source.relative  # as the manifest lists it: `deidentified/NAME.csv`
    raw = read_file(
        con,
        file.copy,
        f"_raw_{table}",
        label,
        relation_if_empty=False,
        numbered=False,
        careful=careful,
    )
    insert_rows(con, "rejects", [(key, r.row, r.column, None, r.reason) for r in raw.rejects])
    if raw.header_only:  # the columns the query below gives, without a relation to read
        columns = [f"{quote_ident(c)} VARCHAR" for c in raw.columns] or [f"{ROW} BIGINT"]
        con.execute(f"CREATE TABLE {quote_ident(table)} ({', '.join(columns)})")
        read = 0
    else:
        selected = (
            ", ".join(f"NULLIF({raw.ident(c)}, '') AS {quote_ident(c)}" for c in raw.columns)
            or f"{raw.row} AS {ROW}"
        )
        read = row_count(
            con,
            f"CREATE TABLE {quote_ident(table)} AS SELECT {selected} FROM {quote_ident(raw.table)}",
        )
    drop_raw(con, raw)
    records = read + len(raw.rejects)
    credentials += [(key, c) for c in raw.credential_columns]
    loads[key] = TableLoad(key, label, records, read, len(raw.rejects))
    _check_rows(file.entry, loads[key])
    meta = _read_meta(
        file.sidecar_copy, file.source.sidecar or "", file.source.relative, raw.columns
    )
    return DeidentifiedDataset(
        name,
        file.source.relative,
        table,
        tuple(raw.columns),
        meta,
        tuple(raw.nested),
        tuple(raw.keyed),
    )


def _read_meta(
    copy: Path | None, where: str, dataset: str, columns: Sequence[str]
) -> dict[str, Any] | None:
    """The parsed sidecar, read from its verified copy; messages name the original. Every
    column it names must be one of the dataset's `columns`, else the dataset cannot be
    judged: the snapshot is refused when it loads, by every command alike."""
    if copy is None:
        return None
    where = shown(where)
    meta, _ = read_json(copy, where)
    if not isinstance(meta, dict):
        raise InputError(f"{where}: must be a JSON object")
    if meta.get("kind", "aggregate") not in ("aggregate", "microdata"):
        raise InputError(f"{where}: 'kind' must be 'aggregate' or 'microdata'")
    for key in ("quasi_identifiers", "count_columns"):
        value = meta.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InputError(f"{where}: '{key}' must be a list of column names")
        for column in value:
            if column not in columns and is_credential(column):
                raise InputError(
                    f"{where}: '{key}' names column '{shown(column)}', a credential column "
                    "by its name, which is never loaded: the dataset cannot be judged"
                )
            if column not in columns:
                raise InputError(
                    f"{where}: '{key}' names column '{shown(column)}', which {shown(dataset)} lacks"
                )
    return meta


def _write_reports(
    con: duckdb.DuckDBPyConnection,
    loads: dict[str, TableLoad],
    credentials: list[tuple[str, str]],
    datasets: list[DeidentifiedDataset],
    unread: list[UnreadDataset],
) -> None:
    con.execute(
        "CREATE TABLE load_report (table_name VARCHAR, file VARCHAR, rows_in_file BIGINT, "
        "rows_loaded BIGINT, rows_rejected BIGINT)"
    )
    insert_rows(
        con,
        "load_report",
        [(x.table, x.file, x.rows_in_file, x.rows_loaded, x.rows_rejected) for x in loads.values()],
    )
    con.execute("CREATE TABLE credential_columns (table_name VARCHAR, column_name VARCHAR)")
    insert_rows(con, "credential_columns", credentials)
    con.execute(
        "CREATE TABLE deidentified_datasets (name VARCHAR, file VARCHAR, table_name VARCHAR, "
        "meta VARCHAR)"
    )
    insert_rows(
        con,
        "deidentified_datasets",
        [(d.name, d.file, d.table, json.dumps(d.meta) if d.meta else None) for d in datasets],
    )
    con.execute(
        "CREATE TABLE unread_datasets (name VARCHAR, file VARCHAR, position INTEGER, "
        "looks_like VARCHAR)"
    )
    insert_rows(
        con, "unread_datasets", [(u.name, u.file, u.position, u.looks_like) for u in unread]
    )


def _write_rebuild_tables(
    con: duckdb.DuckDBPyConnection,
    extras: dict[str, list[str]],
    datasets: list[DeidentifiedDataset],
    files: dict[str, VerifiedFile],
) -> None:
    """What a reopened workspace needs besides the report tables."""
    con.execute("CREATE TABLE extra_columns (table_name VARCHAR, column_name VARCHAR)")
    con.execute(
        "CREATE TABLE dataset_columns "
        "(table_name VARCHAR, column_name VARCHAR, nested BOOLEAN, keyed BOOLEAN)"
    )
    con.execute(
        "CREATE TABLE snapshot_files (key VARCHAR, file VARCHAR, sha256 VARCHAR, listed BOOLEAN)"
    )
    insert_rows(con, "extra_columns", [(t, c) for t, columns in extras.items() for c in columns])
    insert_rows(
        con,
        "dataset_columns",
        [(d.table, c, c in d.nested, c in d.keyed) for d in datasets for c in d.columns],
    )
    insert_rows(
        con,
        "snapshot_files",
        [(k, f.source.relative, f.sha256, f.entry is not None) for k, f in files.items()],
    )
