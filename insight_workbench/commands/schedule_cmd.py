"""`schedule SNAPSHOT`: what falls due after `as_of`, soonest first."""

from __future__ import annotations

from typing import Annotated

import typer

from insight_workbench.commands.common import (
    AsOfOption,
    PolicyOption,
    SnapshotArg,
    output_file,
    outside_the_snapshot,
    parse_format,
    write_text,
)
from insight_workbench.errors import InputError
from insight_workbench.findings import ScheduleItem, plural
from insight_workbench.terminal import KEY_WIDTH, json_text, printable
from insight_workbench.timeutil import format_utc, parse_as_of

FORMATS = ("table", "json", "csv")


def schedule(
    snapshot: SnapshotArg,
    as_of: AsOfOption = None,
    within: Annotated[
        int | None,
        typer.Option("--within", help="Keep items due no later than as_of + DAYS.", min=0),
    ] = None,
    format: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    policy: PolicyOption = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            metavar="<path>",
            help="Write to this file instead of stdout (- for stdout).",
        ),
    ] = None,
) -> None:
    """List what falls due after the as-of moment, soonest first: retention deadlines of
    closed and demo/trial organisations, open subject requests and processor reviews.
    Overdue items are `check` findings, not schedule items."""
    from insight_workbench.deadlines.schedule import build_schedule
    from insight_workbench.loading.workspace import open_snapshot
    from insight_workbench.policy import load_policy

    chosen = parse_format(format, FORMATS)
    target = output_file("--output", output)
    outside_the_snapshot("--output", target, snapshot)
    if within is not None and within < 0:
        raise InputError("--within: must be a whole number of days >= 0")
    rules_policy = load_policy(policy)
    loaded = open_snapshot(snapshot)
    moment = parse_as_of(as_of, loaded.manifest.exported_at)
    items = build_schedule(loaded, rules_policy, moment, within)
    if chosen == "json":
        document = {"as_of": format_utc(moment), "items": [i.as_dict() for i in items]}
        text = json_text(document)
    elif chosen == "csv":
        text = render_csv(items)
    else:
        text = render_table(items, format_utc(moment), within)
    write_text(text, target, data=chosen != "table", as_json=chosen == "json")


def render_csv(items: list[ScheduleItem]) -> str:
    from insight_workbench.csvsafe import csv_text

    rows = [[i.kind, i.key, i.due, i.message] for i in items]
    return csv_text(["kind", "key", "due", "message"], rows)


def render_table(items: list[ScheduleItem], as_of: str, within: int | None) -> str:
    span = f" within {plural(within, 'day')}" if within is not None else ""
    lines = [f"Falling due after {as_of}{span}: {plural(len(items), 'item')}"]
    if items:
        rows = [tuple(printable(v) for v in (i.due, i.kind, i.key, i.message)) for i in items]
        due_width, kind_width, key_width = (max(len(row[n]) for row in rows) for n in range(3))
        key_width = min(key_width, KEY_WIDTH)  # a very long key runs over on its own line
        lines.append("")
        lines += [
            f"{due:<{due_width}}  {kind:<{kind_width}}  {key:<{key_width}}  {message}"
            for due, kind, key, message in rows
        ]
    return "\n".join([*lines, ""])
