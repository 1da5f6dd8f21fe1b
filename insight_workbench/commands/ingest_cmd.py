"""`ingest SNAPSHOT`: verify and type the snapshot once into its workspace; with a
pseudonymisation key configured, build its analyst data too."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from insight_workbench.commands.common import SnapshotArg, say
from insight_workbench.commands.progress_bar import QuietOption, progress_bar
from insight_workbench.errors import InputError
from insight_workbench.terminal import printable

if TYPE_CHECKING:
    from insight_workbench.loading.snapshot import Snapshot, TableLoad


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
    the workspace path and rows loaded and rejected per table. With a pseudonymisation
    key in INSIGHT_PSEUDONYM_KEY or INSIGHT_PSEUDONYM_KEY_FILE, also builds the app's
    analyst data. Exit 2 for a snapshot that cannot be used."""
    from insight_workbench.analyst.database import build_analyst_file
    from insight_workbench.loading.lockdown import settings_from_env
    from insight_workbench.loading.workspace import ingest as build

    settings = settings_from_env(threads, memory_limit)
    key, problem = configured_key()
    with progress_bar(quiet) as phase:
        workspace, loaded = build(snapshot, settings, phase("Loading"))
    unwritten = False
    try:
        lines = _workspace_lines(workspace.path, workspace.built, loaded.loads)
        lines += _notices(loaded)
        if key is not None:
            try:
                with progress_bar(quiet) as phase:
                    path, built = build_analyst_file(loaded, key, settings, phase("Analyst data"))
                lines += ["", f"Analyst data: {path} ({'built' if built else 'reused'})"]
            except InputError as error:  # no room for it: the workspace still stands
                problem, unwritten = str(error), True
        say("\n".join(lines))
        if problem is not None:
            typer.echo(f"Analyst data not built: {printable(problem)}", err=True)
    finally:
        loaded.con.close()
    if unwritten:  # an output that could not be written: a scheduled job must see it
        raise typer.Exit(2)


def _workspace_lines(path: Path, built: bool, loads: dict[str, TableLoad]) -> list[str]:
    """The workspace's path and whether it was built now, then each table's counts."""
    lines = [f"Workspace: {path} ({'built' if built else 'reused'})", ""]
    names = {key: printable(load.table) for key, load in loads.items()}  # a file's name
    wide = max(len(name) for name in names.values())
    lines.append(f"{'table':<{wide}} {'loaded':>10} {'rejected':>10}")
    for key, load in loads.items():
        lines.append(f"{names[key]:<{wide}} {load.rows_loaded:>10} {load.rows_rejected:>10}")
    return lines


def _notices(loaded: Snapshot) -> list[str]:
    """What was not loaded, as `validate` says it: datasets whose header row looks like
    data, and files at the top of the folder that nothing reads."""
    from insight_workbench.commands.validate_cmd import not_read_lines, unread_lines
    from insight_workbench.loading.load_report import not_read, unread_datasets

    found = unread_lines(unread_datasets(loaded)) + not_read_lines(not_read(loaded))
    return ["", *found] if found else []


def configured_key() -> tuple[bytes | None, str | None]:
    """The pseudonymisation key the app would use from the environment, or None: with
    no key configured, why not is nobody's concern; with one that cannot be used, the
    reason (never the key)."""
    from insight_workbench.analyst.pseudonyms import (
        KEY_FILE_VARIABLE,
        KEY_VARIABLE,
        load_pseudonym_key,
    )

    if not any(os.environ.get(name, "").strip() for name in (KEY_VARIABLE, KEY_FILE_VARIABLE)):
        return None, None
    try:
        return load_pseudonym_key(os.environ), None
    except InputError as error:
        return None, str(error)
