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
    orgs: Annotated[
        int | None, typer.Option("--orgs", help="Number of organisations (default 40).")
    ] = None,
    users: Annotated[
        int | None, typer.Option("--users", help="Number of users rows (default 400).")
    ] = None,
    days: Annotated[
        int | None,
        typer.Option("--days", help="Days of activity before the export (default 240)."),
    ] = None,
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
        float | None,
        typer.Option("--scale", help="With --preset: multiplies every row count (default 1)."),
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Write a synthetic snapshot (docs/snapshot-format.md) with realistic activity, planted
    violations of every rule, and planted.json listing the findings `check` must report."""
    from insight_workbench.commands.common import output_folder
    from insight_workbench.errors import InputError

    out = output_folder("--out", out)
    sizes = {"--orgs": orgs, "--users": users, "--days": days}
    chosen = "--months" if months is not None else "--preset" if preset is not None else None
    given = [name for name, value in sizes.items() if value is not None]
    if chosen and given:  # a size asked for and silently not used would mislead
        raise InputError(f"{given[0]}: does not apply with {chosen}")
    if scale is not None and preset is None:
        raise InputError("--scale: applies only with --preset")
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

        with progress_bar(quiet) as phase:
            folder = generate_large(
                out, seed, 1.0 if scale is None else scale, format or "parquet", phase("Writing")
            )
    else:
        from insight_workbench.sample import generate_sample

        with progress_bar(quiet) as phase:
            asked = {"orgs": orgs, "users": users, "days": days}
            folder = generate_sample(
                out,
                seed,
                fmt=format or "csv",
                on_step=phase("Writing"),
                **{name: value for name, value in asked.items() if value is not None},
            )
    typer.echo(f"wrote sample snapshot to {folder}")
