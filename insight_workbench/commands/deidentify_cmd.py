"""`deidentify SNAPSHOT --out DIR`: write analyst-safe aggregate datasets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from insight_workbench.commands.common import (
    AsOfOption,
    PolicyOption,
    SnapshotArg,
    output_folder,
    outside_the_snapshot,
)
from insight_workbench.errors import InputError
from insight_workbench.timeutil import parse_as_of


def deidentify(
    snapshot: SnapshotArg,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for the datasets (created if missing).")
    ] = None,
    as_of: AsOfOption = None,
    policy: PolicyOption = None,
) -> None:
    """Write aggregate datasets (monthly active users per organisation and product, logins
    and feature use per month and product, users per active organisation) as CSV with
    `.meta.json` sidecars. Groups of fewer than the policy's min_cell people are left out."""
    from insight_workbench.deidentification.aggregates import deidentify as write_datasets
    from insight_workbench.loading.workspace import open_snapshot
    from insight_workbench.policy import load_policy

    if out is None:
        raise InputError("--out is required: the folder to write the datasets into")
    out = output_folder("--out", out)
    outside_the_snapshot("--out", out, snapshot)
    rules = load_policy(policy)
    loaded = open_snapshot(snapshot)
    moment = parse_as_of(as_of, loaded.manifest.exported_at)

    def withheld(dataset: str, groups: int) -> None:
        typer.echo(
            f"{dataset}: left out {groups} group{'s' if groups > 1 else ''} of at least "
            "min_cell people whose label equals a held identifier (see its sidecar)"
        )

    for path in write_datasets(loaded, out, moment, rules.deidentification.min_cell, withheld):
        typer.echo(f"wrote {path}")
