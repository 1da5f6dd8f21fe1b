"""`manifest.json`: what an export says it holds, checked before anything is loaded."""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from insight_workbench.atomic import reported_write_errors, write_atomically
from insight_workbench.errors import InputError
from insight_workbench.loading import limits
from insight_workbench.loading.bounded import open_regular, read_json
from insight_workbench.loading.coercion import OTHER_ISO_FORM, OTHER_ISO_PATTERN, TIMESTAMP_PATTERN
from insight_workbench.loading.raw_tables import shown
from insight_workbench.loading.readers import count_records
from insight_workbench.loading.safe_files import read_blocks
from insight_workbench.loading.schema import TABLES
from insight_workbench.timeutil import (
    TimestampRangeError,
    end_of_day_as_next_midnight,
    format_utc,
    known_timezone,
    parse_timestamp,
)

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


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open_regular(path, path.name) as handle:
        for block in read_blocks(handle, path.name):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST
    if not folder.is_dir():
        raise InputError(f"{folder}: not a snapshot folder")
    data, raw_bytes = read_json(path, MANIFEST)
    if not isinstance(data, dict):
        raise InputError(f"{MANIFEST}: must be a JSON object")
    timezone = _text(data, "timezone", default="UTC")
    if not known_timezone(timezone):
        raise InputError(f"{MANIFEST}: 'timezone' is not a known time zone")
    try:
        exported_at = _exported_at(_text(data, "exported_at"), timezone)
    except ValueError as error:
        raise InputError(f"{MANIFEST}: 'exported_at' {_timestamp_problem(error)}") from None
    tables = data.get("tables")
    if not isinstance(tables, dict):
        raise InputError(f"{MANIFEST}: 'tables' must be an object")
    return Manifest(
        snapshot_id=_text(data, "snapshot_id", default=folder_name(folder)),
        exported_at=exported_at,
        source=_text(data, "source", default=""),
        timezone=timezone,
        tables={name: _entry(name, entry) for name, entry in tables.items()},
        checksum=hashlib.sha256(raw_bytes).hexdigest(),
    )


def folder_name(folder: Path) -> str:
    """The folder's name as text: a byte that is not UTF-8 (a name in Latin-1) becomes
    `\ufffd`, never a stand-in no file, terminal or database can take."""
    return os.fsencode(folder.name).decode("utf-8", errors="replace")


class _OtherIsoForm(ValueError):
    """A valid ISO 8601 form the format does not take (`OTHER_ISO_FORM`)."""


def _exported_at(text: str, timezone: str) -> datetime:
    """`exported_at` read as a table's timestamp cell is (`TIMESTAMP_PATTERN`: `t` and
    `z` as good as `T` and `Z`, 24:00 the next midnight); forms Python would also take
    (a date alone, the basic form `20261128T020000Z`, a week date) are refused."""
    value = text.strip().upper()
    if re.fullmatch(OTHER_ISO_PATTERN, value):
        raise _OtherIsoForm(OTHER_ISO_FORM)
    if not re.fullmatch(TIMESTAMP_PATTERN, value):
        raise ValueError("not an ISO 8601 timestamp")
    return parse_timestamp(end_of_day_as_next_midnight(value), timezone)


def _timestamp_problem(error: ValueError) -> str:
    if isinstance(error, TimestampRangeError):
        return f"is outside the supported range ({error})"
    if isinstance(error, _OtherIsoForm):
        return f"is {OTHER_ISO_FORM}"
    return "is not an ISO 8601 timestamp"


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
    entries = sorted(folder.iterdir())
    for path in entries:
        if path.stem in TABLES:
            _lower_case_suffix(path, path.name)
        if path.suffix in EXPORT_SUFFIXES and path.stem in TABLES:
            if path.stem in found:
                raise InputError(
                    f"{path.stem}: both {path.stem}.csv and {path.stem}.parquet are present"
                )
            found[path.stem] = path
    for name, table in TABLES.items():
        if name not in found and not table.optional:
            alike = [p.name for p in entries if named_like(p.name) == name]
            hint = (
                f" ({shown(alike[0])} is not read: a table is read from {name}.csv or "
                f"{name}.parquet only)"
                if alike
                else ""
            )
            raise InputError(f"{name}.csv: required table '{name}' is missing{hint}")
    return found


def deidentified_files(folder: Path) -> dict[str, Path]:
    """Datasets under `deidentified/`, keyed `deidentified/<name>`."""
    found: dict[str, Path] = {}
    directory = folder / "deidentified"
    if not directory.is_dir():
        return found
    for path in sorted(directory.iterdir()):
        _lower_case_suffix(path, f"deidentified/{path.name}")
        if path.is_dir() and not path.is_symlink() and _holds_export_files(path):
            raise InputError(
                f"deidentified/{shown(path.name)}: a folder of datasets inside deidentified/; "
                "each dataset must be a file directly in deidentified/"
            )
        if path.suffix in EXPORT_SUFFIXES:
            key = f"deidentified/{path.stem}"
            if key in found:
                raise InputError(f"{key}: both .csv and .parquet files are present")
            if any(key.casefold() == other.casefold() for other in found):
                raise InputError(f"{shown(key)}: another dataset has the same name in other case")
            found[key] = path
            if len(found) > limits.max_datasets():  # each is loaded and judged: time grows
                raise InputError(
                    f"deidentified/: more than {limits.max_datasets()} datasets "
                    f"(limit {limits.variable('datasets')})"
                )
    return found


def unjudged_files(folder: Path) -> list[str]:
    """What `deidentified/` holds besides its datasets and their sidecars (a spreadsheet,
    a compressed file, a sidecar whose dataset is missing), as `deidentified/<name>`:
    nothing judges it, and a release the DEID rules never saw must not pass unnoticed.
    Hidden names (`.DS_Store`) are left out."""
    directory = folder / "deidentified"
    if not directory.is_dir() or directory.is_symlink():
        return []
    entries = list(directory.iterdir())
    datasets = {path.stem for path in entries if path.suffix in EXPORT_SUFFIXES}
    sidecars = {f"{name}.meta.json" for name in datasets}
    return sorted(
        f"deidentified/{path.name}"
        for path in entries
        if not path.name.startswith(".")
        and path.suffix not in EXPORT_SUFFIXES
        and path.name not in sidecars
    )


def unrecognised_files(folder: Path) -> list[tuple[str, str | None]]:
    """What the snapshot folder holds besides `manifest.json`, the tables' files and
    `deidentified/` (a compressed export, a table's file named in another case or with
    another extension, notes), each name (a folder's ending in `/`) with the table whose
    name it resembles, if any (that table is then absent, or read from its own file):
    nothing reads them, and a table exported under another name must not go missing
    without a word. Hidden names (`.DS_Store`) are left out."""
    found = []
    for path in sorted(itertools.islice(folder.iterdir(), MOST_ENTRIES_LOOKED_AT)):
        name = path.name
        if name.startswith(".") or name in (MANIFEST, DEIDENTIFIED, *GENERATOR_FILES):
            continue
        if path.suffix in EXPORT_SUFFIXES and path.stem in TABLES:
            continue
        shown_name = name + "/" if path.is_dir() and not path.is_symlink() else name
        found.append((shown_name, named_like(name)))
    return found


DEIDENTIFIED = "deidentified"
# What the workbench's own sample generator leaves beside a snapshot it writes (the
# findings it planted, the large preset's options): known, so never named as not read.
PLANTED_FILE, PRESET_FILE = "planted.json", "preset.json"
GENERATOR_FILES = (PLANTED_FILE, PRESET_FILE)
MOST_ENTRIES_LOOKED_AT = 10_000  # a folder of a million files is not read whole for this


def named_like(name: str) -> str | None:
    """The table (or `deidentified/`) a file's name resembles: the same name before its
    first dot in another case or with `-` or spaces for `_` (`Admin_Views.csv`,
    `admin_views.csv.gz`, `admin-views.tsv`), or nearly (`user.csv`, `adminviews.csv`)."""
    base = "_".join(name.split(".", 1)[0].replace("-", " ").split()).casefold()
    known = [*TABLES, DEIDENTIFIED]
    if base in known:
        return base
    close = difflib.get_close_matches(base, known, n=1, cutoff=0.85)
    return close[0] if close else None


def _holds_export_files(folder: Path, most_entries: int = 10_000) -> bool:
    """Whether a CSV or Parquet file lies anywhere under `folder` (a dataset that would
    otherwise be left out without a word); the first `most_entries` entries are looked at."""
    seen = 0
    for _, _, names in os.walk(folder):
        seen += len(names) + 1
        if any(Path(n).suffix.lower() in EXPORT_SUFFIXES for n in names) or seen > most_entries:
            return True
    return False


def _lower_case_suffix(path: Path, where: str) -> None:
    """An export file named in another case (`admin_views.CSV`) would not be read, and
    its table or dataset would go missing without a word: refused."""
    if path.suffix.lower() in EXPORT_SUFFIXES and path.suffix not in EXPORT_SUFFIXES:
        raise InputError(
            f"{shown(where)}: an export file's name ends in lower-case .csv or .parquet"
        )


def listed_entry(manifest: Manifest, key: str, relative: str) -> ManifestEntry | None:
    """The manifest entry of a file (required for tables, optional for datasets)."""
    entry = manifest.tables.get(key)
    if entry is None:
        if key.startswith("deidentified/"):
            return None
        raise InputError(f"{MANIFEST}: table '{key}' ({shown(relative)}) is not listed")
    if PurePosixPath(entry.file) != PurePosixPath(relative):
        raise InputError(
            f"{MANIFEST}: table '{shown(key)}' lists file '{shown(entry.file)}', "
            f"found '{shown(relative)}'"
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
    counts: Mapping[str, int] | None = None,
) -> Path:
    """Write `manifest.json` for the export files of `folder`. `counts` gives the records
    of files their writer counted (by key: a table's name); every other file is read to
    count them as the loader will."""
    counts = counts or {}
    files = {**table_files(folder), **deidentified_files(folder)}
    for path in files.values():  # a manifest the loader would refuse is never written
        try:
            path.name.encode("utf-8")
        except UnicodeEncodeError:
            raise InputError(f"{shown(path.name)}: a file name that is not UTF-8") from None
    tables = {
        key: {
            "file": path.relative_to(folder).as_posix(),
            "rows": counts[key]
            if key in counts
            else count_records(path, path.relative_to(folder).as_posix(), whole=True),
            "sha256": sha256_file(path),
        }
        for key, path in files.items()
    }
    document = {
        "snapshot_id": snapshot_id or folder_name(folder.resolve()),  # "." names its folder too
        "exported_at": format_utc(exported_at),
        "source": source,
        "timezone": timezone,
        "tables": tables,
    }
    target = folder / MANIFEST
    with reported_write_errors(target):  # whole or not at all: a reader never sees half
        write_atomically(target, (json.dumps(document, indent=2) + "\n").encode("utf-8"))
    return target
