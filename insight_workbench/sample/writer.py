"""Streaming table writers (CSV row by row, Parquet in row groups) that number rows
and record the findings of planted rows."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

BATCH_ROWS = 50_000
# Rule code -> how a row of this table is named in that rule's finding key.
KEY_PREFIX = {"logins": "login", "communications": "message", "admin_views": "view"}


class Plants:
    """The findings the sample's planted rows must produce, as (rule, key) pairs."""

    def __init__(self) -> None:
        self.found: set[tuple[str, str]] = set()

    def add(self, rule: str, key: str) -> None:
        self.found.add((rule, key))

    def as_list(self) -> list[dict[str, str]]:
        return [{"rule": r, "key": k} for r, k in sorted(self.found)]


class TableWriter:
    """Writes one table file row by row; `id_prefix` numbers the first column."""

    def __init__(
        self,
        folder: Path,
        table: str,
        columns: Sequence[str],
        fmt: str,
        plants: Plants,
        id_prefix: str | None = None,
        id_width: int = 9,
    ) -> None:
        self.table, self.columns, self.fmt, self.plants = table, list(columns), fmt, plants
        self.id_prefix, self.id_width = id_prefix, id_width
        self.rows = 0
        self.path = folder / f"{table}.{fmt}"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._batch: list[list[str]] = []
        self._parquet: pq.ParquetWriter | None = None
        self._handle: Any = None
        if fmt == "csv":
            self._handle = self.path.open("w", encoding="utf-8", newline="", buffering=1 << 20)
            self._csv = csv.writer(self._handle, lineterminator="\n")
            self._csv.writerow(self.columns)
        else:
            self._schema = pa.schema([(c, pa.string()) for c in self.columns])

    def write(self, cells: list[str], tag: str | None = None) -> str:
        """Write one row (without its id when the table numbers rows); return the id."""
        self.rows += 1
        row_id = ""
        if self.id_prefix is not None:
            row_id = self.id_prefix + str(self.rows).zfill(self.id_width)
            cells = [row_id, *cells]
        if tag == "DQ-001":
            self.plants.add(tag, f"row:{self.table}:{self.rows}")
        elif tag:
            self.plants.add(tag, f"{KEY_PREFIX[self.table]}:{row_id}")
        if self.fmt == "csv":
            self._csv.writerow(cells)  # the file object buffers the writes
            return row_id
        self._batch.append(cells)
        if len(self._batch) >= BATCH_ROWS:
            self._flush()
        return row_id

    def _flush(self) -> None:
        if not self._batch:
            return
        arrays = [
            pa.array([row[i] or None for row in self._batch], pa.string())
            for i in range(len(self.columns))
        ]
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self.path, self._schema)
        self._parquet.write_table(pa.Table.from_arrays(arrays, schema=self._schema))
        self._batch.clear()

    def close(self) -> None:
        self._flush()
        if self.fmt == "csv":
            self._handle.close()
        else:
            if self._parquet is None:  # no rows: still a file with the columns
                self._parquet = pq.ParquetWriter(self.path, self._schema)
            self._parquet.close()


def write_rows(
    folder: Path,
    table: str,
    columns: Sequence[str],
    rows: list[list[str]],
    fmt: str,
    plants: Plants,
    tags: dict[int, str] | None = None,
) -> None:
    """Write a small in-memory table; `tags` maps a 0-based row position to its planted rule."""
    writer = TableWriter(folder, table, columns, fmt, plants)
    for position, row in enumerate(rows):
        writer.write(row, (tags or {}).get(position))
    writer.close()
