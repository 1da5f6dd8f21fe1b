"""Loading a snapshot folder into DuckDB: verified, strictly typed, bad rows quarantined.

After `load_snapshot`, the connection holds one typed table per table of
`spec/snapshot-format.md` (optional ones empty when absent, an optional column
NULL when absent), `rejects` (table_name, row_number, column_name, value,
reason), `load_report` (table_name, rows_in_file, rows_loaded, rows_rejected),
`credential_columns` (table_name, column_name), and `deidentified_datasets`
(name, file, table_name, meta) with one all-VARCHAR table per dataset. The
session time zone is UTC.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from insight_workbench import manifest as mf
from insight_workbench.errors import InputError
from insight_workbench.readers import RawTable, drop_raw, quote_ident, quote_literal, read_file
from insight_workbench.schema import SQL_TYPES, TABLES, Table
from insight_workbench.typing_sql import PARQUET_TYPES, converted, reject_checks


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
    entries = {key: mf.verify_file(manifest, key, p, folder) for key, p in files.items()}
    dataset_entries = {key: mf.verify_file(manifest, key, p, folder) for key, p in datasets.items()}

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
            raw = read_file(con, file, f"_raw_{name}")
            credentials += [(name, c) for c in raw.credential_columns]
            loads[name], extras[name] = _type_table(con, table, raw, file, manifest.timezone)
            _check_rows(entries[name], loads[name])
        deidentified = [
            _load_dataset(con, key, p, folder, dataset_entries[key], credentials, loads)
            for key, p in datasets.items()
        ]
        _write_reports(con, loads, credentials, deidentified)
        con.execute("SET TimeZone = 'UTC'")
    except BaseException:
        con.close()
        raise
    return Snapshot(folder, manifest, con, loads, credentials, deidentified, extras)


def _create_empty(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    columns = ", ".join(f"{quote_ident(c.name)} {SQL_TYPES[c.type]}" for c in table.columns)
    con.execute(f"CREATE TABLE {quote_ident(table.name)} ({columns})")


def _check_parquet_types(table: Table, raw: RawTable, file: Path) -> None:
    for column in table.columns:
        found = raw.parquet_types.get(column.name)
        if found and not found.startswith(PARQUET_TYPES[column.type]):
            raise InputError(
                f"{file.name}: column '{column.name}' of table '{table.name}' has Parquet type "
                f"{found}, expected {column.type}"
            )


def _type_table(
    con: duckdb.DuckDBPyConnection, table: Table, raw: RawTable, file: Path, timezone: str
) -> tuple[TableLoad, list[str]]:
    present = raw.columns
    for column in table.columns:
        if column.name not in present and not column.optional:
            raise InputError(f"{file.name}: table '{table.name}' has no column '{column.name}'")
    _check_parquet_types(table, raw, file)
    name, source = table.name, quote_ident(raw.table)
    for reject in raw.rejects:
        con.execute(
            "INSERT INTO rejects VALUES (?, ?, NULL, NULL, ?)", [name, reject.row, reject.reason]
        )
    # Naive timestamps are read in the manifest's time zone.
    con.execute(f"SET TimeZone = {quote_literal(timezone)}")
    for column, condition, reason in reject_checks(table, present):
        con.execute(
            f"INSERT INTO rejects SELECT {quote_literal(name)}, _row, {quote_literal(column)}, "
            f"{quote_ident(column)}, {quote_literal(reason)} FROM {source} WHERE {condition}"
        )
    if table.primary_key:
        key = quote_ident(table.primary_key)
        # The first row with a key loads; later rows with the same key are quarantined.
        con.execute(
            f"INSERT INTO rejects SELECT {quote_literal(name)}, _row, "
            f"{quote_literal(table.primary_key)}, {key}, 'duplicate primary key' FROM ("
            f"SELECT _row, {key}, row_number() OVER (PARTITION BY {key} ORDER BY _row) AS n "
            f"FROM {source} WHERE _row NOT IN (SELECT row_number FROM rejects "
            f"WHERE table_name = {quote_literal(name)})) WHERE n > 1"
        )
    declared = {c.name for c in table.columns}
    extras = [c for c in present if c not in declared]
    selected = [
        f"{converted(c)} AS {quote_ident(c.name)}" if c.name in present
        else f"CAST(NULL AS {SQL_TYPES[c.type]}) AS {quote_ident(c.name)}"
        for c in table.columns
    ] + [quote_ident(c) for c in extras]
    con.execute(
        f"CREATE TABLE {quote_ident(name)} AS SELECT {', '.join(selected)} FROM {source} "
        f"WHERE _row NOT IN (SELECT row_number FROM rejects WHERE table_name = "
        f"{quote_literal(name)}) ORDER BY _row"
    )
    con.execute("SET TimeZone = 'UTC'")
    loaded = _count(con, f"SELECT count(*) FROM {quote_ident(name)}")
    rejected = _count(
        con,
        f"SELECT count(DISTINCT row_number) FROM rejects WHERE table_name = {quote_literal(name)}",
    )
    records = raw.records(con)
    drop_raw(con, raw.table)
    if loaded + rejected != records:  # the loader's own promise; never expected to fail
        raise AssertionError(f"{name}: {loaded} loaded + {rejected} rejected != {records} rows")
    return TableLoad(name, file.name, records, loaded, rejected), extras


def _check_rows(entry: mf.ManifestEntry | None, load: TableLoad) -> None:
    if entry is not None and entry.rows != load.rows_in_file:
        raise InputError(
            f"{load.table}: {load.file} has {load.rows_in_file} rows, "
            f"the manifest expects {entry.rows}"
        )


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
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
    for reject in raw.rejects:
        con.execute(
            "INSERT INTO rejects VALUES (?, ?, NULL, NULL, ?)", [key, reject.row, reject.reason]
        )
    records = raw.records(con)
    loads[key] = TableLoad(key, path.name, records, records - len(raw.rejects), len(raw.rejects))
    _check_rows(entry, loads[key])
    con.execute(
        f"CREATE TABLE {quote_ident(table)} AS SELECT * EXCLUDE (_row) "
        f"FROM {quote_ident(raw.table)} ORDER BY _row"
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
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InputError(f"{where}: not valid JSON") from None
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
