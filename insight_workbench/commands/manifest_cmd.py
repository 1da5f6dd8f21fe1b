"""`manifest FOLDER`: write manifest.json for a folder of exports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from insight_workbench.commands.common import utf8
from insight_workbench.errors import InputError


def manifest(
    folder: Annotated[Path, typer.Argument(help="Folder of export files.")],
    exported_at: Annotated[
        str | None,
        typer.Option("--exported-at", help="ISO 8601 moment the export shows (required)."),
    ] = None,
    snapshot_id: Annotated[
        str | None, typer.Option("--snapshot-id", help="Default: the folder's name.", callback=utf8)
    ] = None,
    timezone: Annotated[
        str, typer.Option("--timezone", help="Zone of timestamps without an offset.", callback=utf8)
    ] = "UTC",
) -> None:
    """Write manifest.json (rows and sha256 of every export file) into FOLDER."""
    from insight_workbench.loading.manifest import write_manifest
    from insight_workbench.timeutil import (
        TimestampRangeError,
        finer_than_microsecond,
        known_timezone,
        parse_timestamp,
    )

    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder")
    if exported_at is None:
        raise InputError("--exported-at is required: the moment the export shows")
    if snapshot_id is not None and not snapshot_id.strip():
        raise InputError("--snapshot-id: must not be blank")
    if not known_timezone(timezone):
        raise InputError("--timezone: not a known time zone (e.g. UTC, Europe/London)")
    try:
        moment = parse_timestamp(exported_at, timezone)
    except TimestampRangeError as error:  # well formed: the loader could not compute with it
        raise InputError(f"--exported-at: must be within {error}") from None
    except ValueError:
        raise InputError("--exported-at: not an ISO 8601 timestamp") from None
    if finer_than_microsecond(exported_at):  # written, it would be another moment
        raise InputError("--exported-at: finer than a microsecond, which the manifest cannot hold")
    target = write_manifest(folder, moment, snapshot_id, timezone)
    typer.echo(f"wrote {target}")
