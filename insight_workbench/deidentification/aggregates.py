"""Aggregate datasets an analyst or partner may keep: computed in DuckDB from a
snapshot, small cells removed, each with a `.meta.json` sidecar.

Every row is a group of at least `min_cell` people; a smaller group is left
out rather than shown, so the files pass the workbench's own DEID rules. No
dataset publishes both a total and its parts; where the parts add up to a total
published elsewhere (the Usage page's users of active organisations, a month's
active users of a product), more groups are left out with a small one, the
smallest first, until the total less what is published leaves it ambiguous
(`analyst.suppression`, as for the Usage page's Total rows). A group whose
label happens to equal a held identifier (an org_id equal to some user_id, an
event type that is an email or address) is left out too, and counted in the
sidecar and the command's output: a reader must not take every missing group to
be a small one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from insight_workbench.analyst.suppression import suppress, with_totals
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
    # For groups whose people add up to a total shown elsewhere: the columns naming each
    # set of groups that add up (none: all of them). Such a query returns every group,
    # small ones included; `_published` leaves out what must go.
    adds_up_by: tuple[str, ...] | None = None

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
        adds_up_by=("month", "product"),
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
        adds_up_by=(),
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
                if dataset.adds_up_by is not None:
                    found = _published(found, columns, dataset, min_cell)
                rows = [row[:-1] for row in found if row[-1]]
                withheld = len(found) - len(rows)
                written += _write(stage, dataset, columns, rows, min_cell, withheld)
                if withheld and on_withheld is not None:
                    on_withheld(dataset.name, withheld)
    finally:
        cursor.close()
    return [out / path.name for path in written]


def _published(
    found: list[tuple[Any, ...]], columns: list[str], dataset: Dataset, min_cell: int
) -> list[tuple[Any, ...]]:
    """The groups of `found` that may be published: none of fewer than `min_cell` people,
    and, within each set of groups adding up to a total shown elsewhere, none whose
    count would give a small one back (the Usage page's secondary suppression, the
    total known). A group left out for its label counts as published here: its count
    is taken as known, which only leaves out more."""
    count = columns.index(dataset.count_columns[0])
    keys = [columns.index(c) for c in dataset.adds_up_by or ()]
    lines: dict[tuple[Any, ...], list[int]] = {}
    for index, row in enumerate(found):
        lines.setdefault(tuple(row[k] for k in keys), []).append(index)
    kept: set[int] = set()
    for members in lines.values():
        counts = pd.DataFrame({"people": [found[i][count] for i in members]})
        shown = suppress(
            with_totals(counts.assign(g=""), "g", ["people"]),
            ["people"],
            min_cell=min_cell,
            total_row=True,
        )["people"].tolist()
        if shown[-1] != counts["people"].sum():  # no safe choice: none of the line goes out
            continue
        kept.update(i for i, cell in zip(members, shown, strict=False) if _count(cell) >= min_cell)
    return [row for index, row in enumerate(found) if index in kept]


def _count(cell: Any) -> float:
    return cell if isinstance(cell, int | float) else 0


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
