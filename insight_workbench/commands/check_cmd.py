"""`check SNAPSHOT`: run the rules and print the findings (exit 1 when there are some)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Annotated

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
from insight_workbench.commands.progress_bar import QuietOption, progress_bar
from insight_workbench.csvsafe import csv_text
from insight_workbench.errors import InputError
from insight_workbench.findings import plural
from insight_workbench.terminal import KEY_WIDTH, is_terminal, json_text, printable
from insight_workbench.timeutil import format_utc, parse_as_of

if TYPE_CHECKING:
    from insight_workbench.loading.snapshot import Snapshot
    from insight_workbench.rules.runner import CheckResult

FORMATS = ("table", "json", "csv")
COLOURS = {"high": "red", "medium": "yellow", "low": "cyan"}


def parse_prefixes(values: list[str] | None) -> list[str]:
    """`--rule` values: repeated, and each may hold comma-separated prefixes."""
    prefixes = [p.strip() for value in values or [] for p in value.split(",")]
    if any(not p for p in prefixes):
        raise InputError("--rule: an empty rule prefix was given")
    return prefixes


def check(
    snapshot: SnapshotArg,
    as_of: AsOfOption = None,
    policy: PolicyOption = None,
    rule: Annotated[
        list[str] | None,
        typer.Option(
            "--rule",
            help="Run only rules whose code starts with this prefix (e.g. RET, SAR-001). "
            "Repeat it, or separate prefixes with commas: --rule RET,SAR.",
        ),
    ] = None,
    format: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            metavar="<path>",
            help="Write to this file instead of stdout (- for stdout).",
        ),
    ] = None,
    quiet: QuietOption = False,
    record: Annotated[
        bool,
        typer.Option(
            "--record",
            help="Also record the run in the ledger (INSIGHT_LEDGER); recording the same "
            "snapshot, as-of and policy again changes nothing.",
        ),
    ] = False,
) -> None:
    """Run the compliance rules over SNAPSHOT and report the findings, sorted by rule then
    key. Exit 0 when there are none, 1 when findings were reported, 2 for unusable input."""
    from insight_workbench.loading.workspace import open_snapshot
    from insight_workbench.policy import load_policy
    from insight_workbench.rules.runner import run_check

    chosen = parse_format(format, FORMATS)
    target = output_file("--output", output)
    outside_the_snapshot("--output", target, snapshot)
    prefixes = parse_prefixes(rule)
    rules_policy = load_policy(policy)
    recorder = _who_records() if record else None  # refused before the rules run
    with progress_bar(quiet) as phase:
        loaded = open_snapshot(snapshot, on_step=phase("Loading"))
        moment = parse_as_of(as_of, loaded.manifest.exported_at)
        result = run_check(loaded, rules_policy, moment, prefixes, phase("Rules"))
        if recorder is not None:
            record_in_ledger(result, recorder, quiet)
    for line in _not_loaded_lines(loaded):
        typer.echo(line, err=True)
    if chosen == "json":
        text = json_text(result.as_dict())
    elif chosen == "csv":
        text = render_csv(result)
    else:
        colour = target is None and is_terminal(sys.stdout) and "NO_COLOR" not in os.environ
        text = render_table(result, colour)
    write_text(text, target, data=chosen != "table", as_json=chosen == "json")
    raise typer.Exit(1 if result.findings else 0)


def _not_loaded_lines(loaded: Snapshot) -> list[str]:
    """What no rule judged, one line each on stderr: the datasets whose header row looks
    like data (beside DEID-001), then the files at the top of the folder that nothing
    reads (`admin_views.csv.gz`: ACC-005 judged no admin view), as `validate` names them.
    File names and positions only, never a cell."""
    from insight_workbench.commands.validate_cmd import not_read_lines
    from insight_workbench.loading.load_report import not_read

    lines = [
        f"Not loaded, its rows not judged: {printable(unread.file)} "
        f"({printable(unread.why)}; a dataset needs a header row naming its columns)"
        for unread in loaded.unread
    ]
    return lines + not_read_lines(not_read(loaded))


def _who_records() -> str:
    from insight_workbench.ledger.database import acting_user

    return acting_user()


def record_in_ledger(result: CheckResult, by: str, quiet: bool) -> None:
    from insight_workbench.ledger.database import open_ledger
    from insight_workbench.ledger.runs import record_run

    recorded = record_run(open_ledger(), result, source="cli", by=by)
    state = "recorded" if recorded.recorded else "already recorded"
    if not quiet:
        typer.echo(f"Run {recorded.run_id[:12]} {state} in the ledger", err=True)


def render_csv(result: CheckResult) -> str:
    columns = ["rule", "key", "severity", "due", "message"]
    rows = [[f.rule, f.key, f.severity, f.due, f.message] for f in result.findings]
    return csv_text(columns, rows)


def render_table(result: CheckResult, colour: bool = False) -> str:
    """Findings grouped by rule, columns aligned; severity coloured for a terminal."""
    manifest = result.snapshot.manifest
    lines = [
        f"Snapshot {printable(manifest.snapshot_id)} exported {manifest.exported_at_iso}, "
        f"checked as of {format_utc(result.as_of)} ({plural(len(result.rules), 'rule')})",
    ]
    if not result.findings:
        return "\n".join([*lines, "No findings.", ""])
    cells = [
        (f.rule, printable(f.key), printable(f.due or "-"), printable(f.message))
        for f in result.findings
    ]
    key_width = min(KEY_WIDTH, max(len(key) for _, key, _, _ in cells))
    due_width = max(len(due) for _, _, due, _ in cells)
    for rule in result.rules:
        found = [(key, due, message) for code, key, due, message in cells if code == rule.code]
        if not found:
            continue
        severity = (
            typer.style(rule.severity, fg=COLOURS[rule.severity]) if colour else rule.severity
        )
        lines += ["", f"{rule.code}  {rule.name}  {severity}  ({len(found)})"]
        lines += [
            f"  {key:<{key_width}}  {due:<{due_width}}  {message}" for key, due, message in found
        ]
    counts = ", ".join(f"{code} {n}" for code, n in result.by_rule.items())
    lines += ["", f"{plural(len(result.findings), 'finding')}: {counts}", ""]
    return "\n".join(lines)
