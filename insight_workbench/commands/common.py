"""Options and helpers shared by the commands.

Every command module is imported to build the app (and its help), so a module's top
level imports only what is light; the library is imported inside the command.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from insight_workbench.errors import InputError

SnapshotArg = Annotated[
    Path, typer.Argument(help="Snapshot folder (manifest.json and the table files).")
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Date (00:00 UTC of that day) or ISO 8601 timestamp. Default: the export time.",
    ),
]
PolicyOption = Annotated[
    Path | None, typer.Option("--policy", help="policy.toml overriding the defaults.")
]


def parse_as_of(text: str | None, default: datetime) -> datetime:
    """`--as-of`: a date means 00:00 UTC of that day; a naive timestamp is UTC."""
    from insight_workbench.loading.manifest import parse_timestamp

    if text is None:
        return default
    try:
        if len(text.strip()) == 10:
            day = date.fromisoformat(text.strip())
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        return parse_timestamp(text)
    except ValueError:
        raise InputError("--as-of: not a date or an ISO 8601 timestamp") from None


def write_json(document: Any, output: Path | None = None) -> None:
    text = json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


def write_text(text: str, output: Path | None = None) -> None:
    """Print `text`, or write it to `output` (a clear error when that cannot be written)."""
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InputError(f"--output {output}: cannot be written ({error.strerror})") from None


def parse_format(value: str, allowed: tuple[str, ...]) -> str:
    """`--format`: one of `allowed`, else a clear error (exit 2)."""
    if value not in allowed:
        raise InputError(f"--format {value}: must be one of {', '.join(allowed)}")
    return value
