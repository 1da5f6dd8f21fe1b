"""Building small snapshots in code, for tests, benchmarks and examples.

`build_snapshot` writes a folder that follows docs/snapshot-format.md: every
required table (header-only when no rows are given), the given rows, optional
de-identified datasets with sidecars, and a manifest that matches the files.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from insight_workbench.loading.manifest import folder_name, write_manifest
from insight_workbench.loading.schema import TABLES
from insight_workbench.timeutil import parse_timestamp

Rows = Sequence[Mapping[str, Any]]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_table(path: Path, columns: Sequence[str], rows: Rows) -> None:
    """Write rows as CSV or (by suffix) Parquet with string columns; missing cells are empty."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        arrays = {c: [None if r.get(c) is None else _text(r.get(c)) for r in rows] for c in columns}
        pq.write_table(pa.table({c: pa.array(v, pa.string()) for c, v in arrays.items()}), path)
        return
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_text(row.get(c)) for c in columns])


def build_snapshot(
    folder: Path,
    tables: Mapping[str, Rows] | None = None,
    *,
    exported_at: str = "2026-11-28T02:00:00Z",
    timezone: str = "UTC",
    fmt: str = "csv",
    deidentified: Mapping[str, tuple[Rows, Mapping[str, Any] | None]] | None = None,
    extra_columns: Mapping[str, Sequence[str]] | None = None,
) -> Path:
    """Write a valid snapshot of `tables` (rows as dicts) into `folder` and return it."""
    tables = tables or {}
    folder.mkdir(parents=True, exist_ok=True)
    # One record per row as pyarrow, or Python's csv writer, writes it: the manifest takes
    # these counts rather than reading every file again. Not for a CSV value holding a
    # bare carriage return: the writer leaves it unquoted, and it ends a line when read.
    counts: dict[str, int] = {}
    for name, table in TABLES.items():
        if table.optional and name not in tables:
            continue
        rows = tables.get(name, [])
        columns = [c.name for c in table.columns if not c.optional or _mentions(rows, c.name)]
        columns += list((extra_columns or {}).get(name, []))
        write_table(folder / f"{name}.{fmt}", columns, rows)
        if fmt == "parquet" or not any("\r" in _text(v) for row in rows for v in row.values()):
            counts[name] = len(rows)
    for name, (rows, meta) in (deidentified or {}).items():
        columns = list(dict.fromkeys(c for row in rows for c in row))
        write_table(folder / "deidentified" / f"{name}.{fmt}", columns, rows)
        if meta is not None:
            sidecar = folder / "deidentified" / f"{name}.meta.json"
            sidecar.write_text(json.dumps(meta), encoding="utf-8")
    exported = parse_timestamp(exported_at)
    write_manifest(folder, exported, folder_name(folder), timezone, counts=counts)
    return folder


def _mentions(rows: Rows, column: str) -> bool:
    return any(column in row for row in rows)
