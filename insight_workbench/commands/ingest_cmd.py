"""`ingest SNAPSHOT`: verify and type the snapshot once into its workspace."""

from __future__ import annotations

from typing import Annotated

import typer

from insight_workbench.commands.common import SnapshotArg
from insight_workbench.commands.progress_bar import QuietOption, progress_bar


def ingest(
    snapshot: SnapshotArg,
    memory_limit: Annotated[
        str | None,
        typer.Option(
            "--memory-limit",
            help="DuckDB's memory limit, e.g. 1GB (default: INSIGHT_MEMORY_LIMIT).",
        ),
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option("--threads", help="DuckDB's threads (default: INSIGHT_THREADS)."),
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Verify and type SNAPSHOT into its workspace (reused when done already): prints
    the workspace path and rows loaded and rejected per table. Exit 2 for a snapshot
    that cannot be used."""
    from insight_workbench.loading.lockdown import settings_from_env
    from insight_workbench.loading.workspace import ingest as build

    settings = settings_from_env(threads, memory_limit)
    with progress_bar(quiet) as phase:
        workspace, loaded = build(snapshot, settings, phase("Loading"))
    try:
        state = "built" if workspace.built else "reused"
        lines = [f"Workspace: {workspace.path} ({state})", ""]
        wide = max(len(name) for name in loaded.loads)
        lines.append(f"{'table':<{wide}} {'loaded':>10} {'rejected':>10}")
        for load in loaded.loads.values():
            lines.append(f"{load.table:<{wide}} {load.rows_loaded:>10} {load.rows_rejected:>10}")
        typer.echo("\n".join(lines))
    finally:
        loaded.con.close()
