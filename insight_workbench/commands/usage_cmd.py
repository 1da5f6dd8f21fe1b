"""`usage SNAPSHOT`: headline usage figures (docs/cli.md)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from insight_workbench.commands.common import AsOfOption, SnapshotArg, say, write_json
from insight_workbench.terminal import printable
from insight_workbench.timeutil import format_utc, parse_as_of


def usage(
    snapshot: SnapshotArg,
    as_of: AsOfOption = None,
    format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Headline usage figures: users not deleted, organisations per status, people with a
    successful login in the 30 days up to as_of (and their logins), average users per
    active organisation, and daily / weekly active users."""
    from insight_workbench.analyst.usage.headline import headline_figures
    from insight_workbench.loading.workspace import open_snapshot

    if format not in ("table", "json"):
        raise typer.BadParameter("must be table or json", param_hint="--format")
    loaded = open_snapshot(snapshot)
    moment = parse_as_of(as_of, loaded.manifest.exported_at)
    figures = headline_figures(loaded, moment)
    document: dict[str, Any] = {
        "snapshot": {
            "path": str(snapshot),
            "snapshot_id": loaded.manifest.snapshot_id,
            "exported_at": loaded.manifest.exported_at_iso,
        },
        **figures,
        "as_of": format_utc(figures["as_of"]),
    }
    if format == "json":
        write_json(document)
    else:
        say(render_table(document))


def render_table(document: dict[str, Any]) -> str:
    from insight_workbench.analyst.usage.headline import headline_rows

    snapshot = document["snapshot"]
    lines = [
        f"Snapshot {printable(snapshot['snapshot_id'])} exported {snapshot['exported_at']}",
        f"As of {document['as_of']}",
        "",
    ]
    rows = headline_rows(document)
    lines += [
        f"{printable(label):<40} {'-' if value is None else printable(value):>12}"
        for label, value in rows
    ]
    return "\n".join(lines)
