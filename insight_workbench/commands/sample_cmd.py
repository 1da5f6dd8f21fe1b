"""`sample --out DIR`: generate the synthetic sample snapshot with planted violations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from insight_workbench.commands.progress_bar import QuietOption, progress_bar


def sample(
    out: Annotated[
        Path, typer.Option("--out", help="Folder to write: empty, new, or an earlier sample.")
    ],
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same bytes.")] = 7,
    orgs: Annotated[int, typer.Option("--orgs", help="Number of organisations.")] = 40,
    users: Annotated[int, typer.Option("--users", help="Number of users rows.")] = 400,
    days: Annotated[int, typer.Option("--days", help="Days of activity before the export.")] = 240,
    format: Annotated[
        str | None,
        typer.Option("--format", help="csv or parquet (default: csv, parquet for --preset)."),
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option(
            "--preset",
            help="large: tens of millions of rows made in DuckDB, for benchmarks "
            "(--orgs, --users and --days do not apply; no planted.json).",
        ),
    ] = None,
    months: Annotated[
        int | None,
        typer.Option(
            "--months",
            help="1..36: a series of monthly snapshots in DIR/YYYY-MM/ and lifecycle.json, "
            "the expected life of its findings (--orgs, --users and --days do not apply).",
        ),
    ] = None,
    scale: Annotated[
        float, typer.Option("--scale", help="With --preset: multiplies every row count.")
    ] = 1.0,
    quiet: QuietOption = False,
) -> None:
    """Write a synthetic snapshot (docs/snapshot-format.md) with realistic activity, planted
    violations of every rule, and planted.json listing the findings `check` must report."""
    from insight_workbench.errors import InputError

    if months is not None:
        if preset is not None:
            raise InputError("--months: cannot be used with --preset")
        from insight_workbench.sample.series import generate_series

        with progress_bar(quiet) as phase:
            folder = generate_series(out, months, seed, format or "csv", phase("Writing"))
        typer.echo(f"wrote {months} monthly snapshots to {folder}")
        return
    if preset is not None:
        if preset != "large":
            raise InputError("--preset: the only preset is 'large'")
        from insight_workbench.sample.large import generate_large

        folder = generate_large(out, seed, scale, format or "parquet")
    else:
        from insight_workbench.sample import generate_sample

        with progress_bar(quiet) as phase:
            folder = generate_sample(
                out, seed, orgs, users, days, format or "csv", phase("Writing")
            )
    typer.echo(f"wrote sample snapshot to {folder}")
