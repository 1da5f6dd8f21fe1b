"""Aggregate datasets an analyst or partner may keep: computed in DuckDB from a
snapshot, small cells removed, each with a `.meta.json` sidecar.

Every row is a group of at least `min_cell` people; a smaller group is left
out rather than shown, so the files pass the workbench's own DEID rules. No
dataset publishes both a total and its parts, so nothing left out can be
recovered by subtraction. A group whose label happens to equal a held
identifier (an org_id equal to some user_id, an event type that is an email or
address) is left out too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from insight_workbench.errors import InputError
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.sql import define
from insight_workbench.sql import frame as sql_frame


@dataclass(frozen=True)
class Dataset:
    name: str
    description: str
    quasi_identifiers: tuple[str, ...]
    count_columns: tuple[str, ...]

    @property
    def sql_file(self) -> str:
        """Its query ($as_of, $min_cell); label columns are checked against held
        identifiers there (`_publishable`, in `deidentify_definitions.sql`)."""
        return f"deidentify_{self.name}.sql"


DATASETS = (
    Dataset(
        "monthly_active_users_by_org",
        "People with a successful login per month, organisation and product.",
        ("month", "org_id", "product"),
        ("active_users",),
    ),
    Dataset(
        "logins_by_month_product",
        "Successful logins per month and product (groups of at least min_cell people).",
        ("month", "product"),
        (),
    ),
    Dataset(
        "feature_use_by_month",
        "Usage events and the people behind them per month, product and event type.",
        ("month", "product", "event_type"),
        ("users",),
    ),
    Dataset(
        "users_per_organisation",
        "Users (not deleted) per active organisation, by product: the privacy policy's "
        "example of de-identified use.",
        ("product",),
        ("users",),
    ),
)


def deidentify(snapshot: Snapshot, out: Path, as_of: datetime, min_cell: int) -> list[Path]:
    """Write every dataset of `DATASETS` as `<name>.csv` + `<name>.meta.json` into `out`."""
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    cursor = snapshot.cursor()
    written: list[Path] = []
    try:
        define(cursor, "deidentify_definitions.sql")
        for dataset in DATASETS:
            found = sql_frame(cursor, dataset.sql_file, as_of=as_of, min_cell=min_cell)
            written += _write(out, dataset, found, min_cell)
    finally:
        cursor.close()
    return written


def _write(out: Path, dataset: Dataset, frame: pd.DataFrame, min_cell: int) -> list[Path]:
    data = out / f"{dataset.name}.csv"
    frame.to_csv(data, index=False, lineterminator="\n")
    meta = {
        "kind": "aggregate",
        "quasi_identifiers": list(dataset.quasi_identifiers),
        "count_columns": list(dataset.count_columns),
        "description": dataset.description,
        "suppression": f"groups of fewer than {min_cell} people are left out",
    }
    sidecar = out / f"{dataset.name}.meta.json"
    sidecar.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return [data, sidecar]
