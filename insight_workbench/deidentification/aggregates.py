"""Aggregate datasets an analyst or partner may keep: computed in DuckDB from a
snapshot, small cells removed, each with a `.meta.json` sidecar.

Every row is a group of at least `min_cell` people; a smaller group is left
out rather than shown, so the files pass the workbench's own DEID rules. No
dataset publishes both a total and its parts, so nothing left out can be
recovered by subtraction. A group whose label happens to equal a held
identifier (an org_id equal to some user_id, an event type that is an email or
address) is left out too, and counted in the sidecar and the command's output: a
reader must not take every missing group to be a small one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from insight_workbench.analyst.vocabulary import EVENT_TYPES, OTHER
from insight_workbench.atomic import reported_write_errors, staged_folder, write_atomically
from insight_workbench.csvsafe import write_csv
from insight_workbench.deidentification.text_functions import register_text_functions
from insight_workbench.emails import define_email_key
from insight_workbench.errors import InputError
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.sql import define, execute


@dataclass(frozen=True)
class Dataset:
    name: str
    description: str
    quasi_identifiers: tuple[str, ...]
    count_columns: tuple[str, ...]

    @property
    def sql_file(self) -> str:
        """Its query ($as_of, $min_cell, $event_types with $other); label columns are
        checked against held identifiers there (`_publishable`, in `deidentify_definitions.sql`)."""
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


def deidentify(
    snapshot: Snapshot,
    out: Path,
    as_of: datetime,
    min_cell: int,
    on_withheld: Callable[[str, int], None] | None = None,
) -> list[Path]:
    """Write every dataset of `DATASETS` as `<name>.csv` + `<name>.meta.json` into `out`;
    `on_withheld(dataset, groups)` hears of the groups left out for their label."""
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a folder")
    cursor = snapshot.cursor()
    written: list[Path] = []
    # Every file is written into a temporary folder first and moved into `out` only when
    # all are complete: a failure (a full disk) leaves no partial dataset behind.
    try:
        with reported_write_errors(out), staged_folder(out, existing="merge") as stage:
            define_email_key(cursor)  # labels are compared with held addresses by their key
            register_text_functions(cursor)
            define(cursor, "identifier_text.sql")
            define(cursor, "deidentify_definitions.sql")
            for dataset in DATASETS:
                result = execute(
                    cursor,
                    dataset.sql_file,
                    as_of=as_of,
                    min_cell=min_cell,
                    event_types=list(EVENT_TYPES),
                    other=OTHER,
                )
                *columns, _ = [d[0] for d in result.description or ()]  # then publishable
                found = result.fetchall()
                rows = [row[:-1] for row in found if row[-1]]
                withheld = len(found) - len(rows)
                written += _write(stage, dataset, columns, rows, min_cell, withheld)
                if withheld and on_withheld is not None:
                    on_withheld(dataset.name, withheld)
    finally:
        cursor.close()
    return [out / path.name for path in written]


def _write(
    out: Path,
    dataset: Dataset,
    columns: list[str],
    rows: list[tuple[Any, ...]],
    min_cell: int,
    withheld: int,
) -> list[Path]:
    """The dataset through the workbench's CSV writer (labels such as event types are
    text from the export, so formula-like ones are neutralised), then its sidecar."""
    data = write_csv(out / f"{dataset.name}.csv", columns, rows)
    suppression = f"groups of fewer than {min_cell} people are left out"
    if withheld:
        suppression += (
            f"; so are {withheld} larger groups whose label equals a held identifier "
            "(a name, user id, email address, telephone or IP address)"
        )
    meta = {
        "kind": "aggregate",
        "quasi_identifiers": list(dataset.quasi_identifiers),
        "count_columns": list(dataset.count_columns),
        "description": dataset.description,
        "suppression": suppression,
        "groups_left_out_for_their_label": withheld,
    }
    sidecar = out / f"{dataset.name}.meta.json"
    write_atomically(sidecar, (json.dumps(meta, indent=2) + "\n").encode("utf-8"))
    return [data, sidecar]
