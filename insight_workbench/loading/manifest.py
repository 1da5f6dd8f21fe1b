"""`manifest.json`: what an export says it holds, checked before anything is loaded."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from insight_workbench.errors import InputError
from insight_workbench.loading.readers import count_records, shown
from insight_workbench.loading.schema import TABLES

MANIFEST = "manifest.json"
EXPORT_SUFFIXES = (".csv", ".parquet")


@dataclass(frozen=True)
class ManifestEntry:
    file: str
    rows: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    snapshot_id: str
    exported_at: datetime  # UTC
    source: str
    timezone: str
    tables: dict[str, ManifestEntry]
    checksum: str  # sha256 of manifest.json itself: identifies the snapshot's content

    @property
    def exported_at_iso(self) -> str:
        return format_utc(self.exported_at)


def format_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(text: str, default_tz: str = "UTC") -> datetime:
    """An ISO 8601 timestamp as a UTC instant; a naive one is read in `default_tz`.

    A local time that a clock change repeats or skips is read as the later of its two
    readings, as DuckDB reads the naive timestamps of the tables."""
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    zone = ZoneInfo(default_tz)
    return max(moment.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1))


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST
    if not folder.is_dir():
        raise InputError(f"{folder}: not a snapshot folder")
    if not path.is_file():
        raise InputError(f"{MANIFEST}: missing from the snapshot folder")
    raw_bytes = path.read_bytes()
    try:
        data = json.loads(raw_bytes)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InputError(f"{MANIFEST}: not valid JSON") from None
    if not isinstance(data, dict):
        raise InputError(f"{MANIFEST}: must be a JSON object")
    timezone = _text(data, "timezone", default="UTC")
    if not known_timezone(timezone):
        raise InputError(f"{MANIFEST}: 'timezone' is not a known time zone")
    try:
        exported_at = parse_timestamp(_text(data, "exported_at"), timezone)
    except ValueError:
        raise InputError(f"{MANIFEST}: 'exported_at' is not an ISO 8601 timestamp") from None
    tables = data.get("tables")
    if not isinstance(tables, dict):
        raise InputError(f"{MANIFEST}: 'tables' must be an object")
    return Manifest(
        snapshot_id=_text(data, "snapshot_id", default=folder.name),
        exported_at=exported_at,
        source=_text(data, "source", default=""),
        timezone=timezone,
        tables={name: _entry(name, entry) for name, entry in tables.items()},
        checksum=hashlib.sha256(raw_bytes).hexdigest(),
    )


def known_timezone(name: str) -> bool:
    """True for an IANA zone name both Python and DuckDB know, spelled exactly."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return name in _duckdb_zones()


@cache
def _duckdb_zones() -> frozenset[str]:
    """DuckDB's zone names, read once: opening a connection costs tens of milliseconds."""
    con = duckdb.connect()
    try:
        return frozenset(
            row[0] for row in con.sql("SELECT name FROM pg_timezone_names()").fetchall()
        )
    finally:
        con.close()


def _text(data: dict[str, Any], key: str, default: str | None = None) -> str:
    if key not in data and default is not None:
        return default
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{MANIFEST}: '{key}' must be a non-empty string")
    return value


def _entry(name: str, entry: Any) -> ManifestEntry:
    where = f"{MANIFEST}: tables.{shown(name)}"
    if not isinstance(entry, dict):
        raise InputError(f"{where} must be an object")
    file, rows, sha = entry.get("file"), entry.get("rows"), entry.get("sha256")
    if not isinstance(file, str) or not file:
        raise InputError(f"{where}.file must be a file name")
    relative = PurePosixPath(file)
    if relative.is_absolute() or ".." in relative.parts or "\\" in file:
        raise InputError(f"{where}.file must be a path inside the snapshot folder")
    if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0:
        raise InputError(f"{where}.rows must be a whole number")
    if not isinstance(sha, str) or len(sha) != 64:
        raise InputError(f"{where}.sha256 must be a 64-character hex digest")
    return ManifestEntry(file, rows, sha.lower())


def table_files(folder: Path) -> dict[str, Path]:
    """The export file of each table present, refusing a table given twice."""
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix in EXPORT_SUFFIXES and path.stem in TABLES:
            if path.stem in found:
                raise InputError(
                    f"{path.stem}: both {path.stem}.csv and {path.stem}.parquet are present"
                )
            found[path.stem] = path
    for name, table in TABLES.items():
        if name not in found and not table.optional:
            raise InputError(f"{name}.csv: required table '{name}' is missing")
    return found


def deidentified_files(folder: Path) -> dict[str, Path]:
    """Datasets under `deidentified/`, keyed `deidentified/<name>`."""
    found: dict[str, Path] = {}
    directory = folder / "deidentified"
    if not directory.is_dir():
        return found
    for path in sorted(directory.iterdir()):
        if path.suffix in EXPORT_SUFFIXES:
            key = f"deidentified/{path.stem}"
            if key in found:
                raise InputError(f"{key}: both .csv and .parquet files are present")
            if any(key.casefold() == other.casefold() for other in found):
                raise InputError(f"{shown(key)}: another dataset has the same name in other case")
            found[key] = path
    return found


def verify_file(manifest: Manifest, key: str, path: Path, folder: Path) -> ManifestEntry | None:
    """Check the file against its manifest entry (required for tables, optional for datasets)."""
    entry = manifest.tables.get(key)
    if entry is None:
        if key.startswith("deidentified/"):
            return None
        raise InputError(f"{MANIFEST}: table '{key}' ({path.name}) is not listed")
    if (folder / entry.file).resolve() != path.resolve():
        raise InputError(
            f"{MANIFEST}: table '{key}' lists file '{shown(entry.file)}', found '{path.name}'"
        )
    found = sha256_file(path)
    if found != entry.sha256:
        raise InputError(
            f"{key}: sha256 of {path.name} is {found}, the manifest expects {entry.sha256}"
        )
    return entry


def check_listed_files_exist(manifest: Manifest, folder: Path) -> None:
    for key, entry in manifest.tables.items():
        if not (folder / entry.file).is_file():
            raise InputError(
                f"{MANIFEST}: table '{shown(key)}' lists '{shown(entry.file)}', which is missing"
            )


def write_manifest(
    folder: Path,
    exported_at: datetime,
    snapshot_id: str | None = None,
    timezone: str = "UTC",
    source: str = "insight-platform",
) -> Path:
    """Write `manifest.json` for the export files of `folder`."""
    files = {**table_files(folder), **deidentified_files(folder)}
    con = duckdb.connect(config={"preserve_insertion_order": True})  # one for all files
    try:
        tables = {
            key: {
                "file": path.relative_to(folder).as_posix(),
                "rows": count_records(path, con),
                "sha256": sha256_file(path),
            }
            for key, path in files.items()
        }
    finally:
        con.close()
    document = {
        "snapshot_id": snapshot_id or folder.name,
        "exported_at": format_utc(exported_at),
        "source": source,
        "timezone": timezone,
        "tables": tables,
    }
    target = folder / MANIFEST
    target.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return target
