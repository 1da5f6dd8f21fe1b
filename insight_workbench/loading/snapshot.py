"""Loading a snapshot folder into DuckDB: verified, strictly typed, bad rows quarantined.

After `load_snapshot`, the connection holds one typed table per table of
`docs/snapshot-format.md` (optional ones empty when absent, an optional column
NULL when absent), `rejects` (table_name, row_number, column_name, value,
reason), `load_report` (table_name, rows_in_file, rows_loaded, rows_rejected),
`credential_columns` (table_name, column_name), and `deidentified_datasets`
(name, file, table_name, meta) with one all-VARCHAR table per dataset. The
session time zone is UTC.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from insight_workbench.errors import InputError
from insight_workbench.loading import manifest as mf
from insight_workbench.loading.bounded import read_json
from insight_workbench.loading.coercion import check_columns, type_table
from insight_workbench.loading.readers import ROW, RawTable, drop_raw, quote_ident, read_file
from insight_workbench.loading.schema import SQL_TYPES, TABLES, Table


@dataclass(frozen=True)
class DeidentifiedDataset:
    name: str  # file name without extension
    file: str  # path relative to the snapshot
    table: str  # the DuckDB table holding it, every column VARCHAR
    columns: tuple[str, ...]
    meta: dict[str, Any] | None  # the parsed `.meta.json` sidecar, if any


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
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            cursor = self.con.cursor()
        cursor.execute("SET TimeZone = 'UTC'")
        return cursor

    @property
    def rows_loaded(self) -> dict[str, int]:
        return {name: load.rows_loaded for name, load in self.loads.items()}

    @property
    def rows_rejected(self) -> dict[str, int]:
        return {name: load.rows_rejected for name, load in self.loads.items()}


def load_snapshot(path: str | Path) -> Snapshot:
    """Verify the manifest and load every table; raises `InputError` for an unusable snapshot."""
    folder = Path(path)
    manifest = mf.read_manifest(folder)
    files = mf.table_files(folder)
    datasets = mf.deidentified_files(folder)
    mf.check_listed_files_exist(manifest, folder)
    entries = _verify_files(manifest, {**files, **datasets}, folder)
    dataset_entries = {key: entries.pop(key) for key in datasets}

    con = duckdb.connect(config={"preserve_insertion_order": True})
    try:
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
                _create_empty(con, table)
                loads[name] = TableLoad(name, "", 0, 0, 0)
                continue
            with _database_errors(file, name):
                raw = read_file(con, file, f"_raw_{name}")
                credentials += [(name, c) for c in raw.credential_columns]
                loads[name], extras[name] = _type_table(con, table, raw, file, manifest.timezone)
            _check_rows(entries[name], loads[name])
        deidentified = []
        for key, p in datasets.items():
            with _database_errors(p, key):
                deidentified.append(
                    _load_dataset(con, key, p, folder, dataset_entries[key], credentials, loads)
                )
        _write_reports(con, loads, credentials, deidentified)
        con.execute("SET TimeZone = 'UTC'")
    except BaseException:
        con.close()
        raise
    return Snapshot(folder, manifest, con, loads, credentials, deidentified, extras)


def _verify_files(
    manifest: mf.Manifest, files: dict[str, Path], folder: Path
) -> dict[str, mf.ManifestEntry | None]:
    """Check every file against the manifest; files are hashed in parallel (hashlib lets
    go of the GIL), and the first mismatch in table order is the one reported."""
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        checked = pool.map(
            lambda item: mf.verify_file(manifest, item[0], item[1], folder), files.items()
        )
        return dict(zip(files, checked, strict=True))


@contextmanager
def _database_errors(file: Path, table: str) -> Iterator[None]:
    """A file DuckDB cannot read becomes an `InputError` naming file and table. DuckDB's
    own message is left out: it may quote a line of the file (personal data)."""
    try:
        yield
    except duckdb.Error as error:
        raise InputError(
            f"{file.name}: table '{table}' could not be loaded ({type(error).__name__})"
        ) from None


def _create_empty(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    columns = ", ".join(f"{quote_ident(c.name)} {SQL_TYPES[c.type]}" for c in table.columns)
    con.execute(f"CREATE TABLE {quote_ident(table.name)} ({columns})")


def _type_table(
    con: duckdb.DuckDBPyConnection, table: Table, raw: RawTable, file: Path, timezone: str
) -> tuple[TableLoad, list[str]]:
    check_columns(table, raw, file)
    name = table.name
    if raw.rejects:
        con.executemany(
            "INSERT INTO rejects VALUES (?, ?, NULL, NULL, ?)",
            [[name, reject.row, reject.reason] for reject in raw.rejects],
        )
    records = raw.records(con)
    type_table(con, table, raw, timezone)
    drop_raw(con, raw.table)
    loaded = _count(con, f"SELECT count(*) FROM {quote_ident(name)}")
    rejected = _count(
        con, "SELECT count(DISTINCT row_number) FROM rejects WHERE table_name = ?", [name]
    )
    if loaded + rejected != records:  # the loader's own promise; never expected to fail
        raise AssertionError(f"{name}: {loaded} loaded + {rejected} rejected != {records} rows")
    declared = {c.name for c in table.columns}
    extras = [c for c in raw.columns if c not in declared]
    return TableLoad(name, file.name, records, loaded, rejected), extras


def _check_rows(entry: mf.ManifestEntry | None, load: TableLoad) -> None:
    if entry is not None and entry.rows != load.rows_in_file:
        raise InputError(
            f"{load.table}: {load.file} has {load.rows_in_file} rows, "
            f"the manifest expects {entry.rows}"
        )


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> int:
    row = con.execute(sql, params).fetchone()
    return int(row[0]) if row else 0


def _load_dataset(
    con: duckdb.DuckDBPyConnection,
    key: str,
    path: Path,
    folder: Path,
    entry: mf.ManifestEntry | None,
    credentials: list[tuple[str, str]],
    loads: dict[str, TableLoad],
) -> DeidentifiedDataset:
    name = key.removeprefix("deidentified/")
    table = f"deidentified__{name}"
    raw = read_file(con, path, f"_raw_{table}")
    credentials += [(key, c) for c in raw.credential_columns]
    if raw.rejects:
        con.executemany(
            "INSERT INTO rejects VALUES (?, ?, NULL, NULL, ?)",
            [[key, reject.row, reject.reason] for reject in raw.rejects],
        )
    records = raw.records(con)
    loads[key] = TableLoad(key, path.name, records, records - len(raw.rejects), len(raw.rejects))
    _check_rows(entry, loads[key])
    selected = (
        ", ".join(f"NULLIF({raw.ident(c)}, '') AS {quote_ident(c)}" for c in raw.columns)
        or f"{ROW}"
    )
    con.execute(
        f"CREATE TABLE {quote_ident(table)} AS SELECT {selected} FROM {quote_ident(raw.table)}"
    )
    drop_raw(con, raw.table)
    return DeidentifiedDataset(
        name, path.relative_to(folder).as_posix(), table, tuple(raw.columns), _read_meta(path)
    )


def _read_meta(path: Path) -> dict[str, Any] | None:
    sidecar = path.with_name(path.stem + ".meta.json")
    if not sidecar.is_file():
        return None
    where = f"deidentified/{sidecar.name}"
    meta, _ = read_json(sidecar, where)
    if not isinstance(meta, dict):
        raise InputError(f"{where}: must be a JSON object")
    if meta.get("kind", "aggregate") not in ("aggregate", "microdata"):
        raise InputError(f"{where}: 'kind' must be 'aggregate' or 'microdata'")
    for key in ("quasi_identifiers", "count_columns"):
        value = meta.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InputError(f"{where}: '{key}' must be a list of column names")
    return meta


def _write_reports(
    con: duckdb.DuckDBPyConnection,
    loads: dict[str, TableLoad],
    credentials: list[tuple[str, str]],
    datasets: list[DeidentifiedDataset],
) -> None:
    con.execute(
        "CREATE TABLE load_report (table_name VARCHAR, file VARCHAR, rows_in_file BIGINT, "
        "rows_loaded BIGINT, rows_rejected BIGINT)"
    )
    con.executemany(
        "INSERT INTO load_report VALUES (?, ?, ?, ?, ?)",
        [[x.table, x.file, x.rows_in_file, x.rows_loaded, x.rows_rejected] for x in loads.values()],
    )
    con.execute("CREATE TABLE credential_columns (table_name VARCHAR, column_name VARCHAR)")
    if credentials:
        con.executemany("INSERT INTO credential_columns VALUES (?, ?)", credentials)
    con.execute(
        "CREATE TABLE deidentified_datasets (name VARCHAR, file VARCHAR, table_name VARCHAR, "
        "meta VARCHAR)"
    )
    if datasets:
        con.executemany(
            "INSERT INTO deidentified_datasets VALUES (?, ?, ?, ?)",
            [[d.name, d.file, d.table, json.dumps(d.meta) if d.meta else None] for d in datasets],
        )
