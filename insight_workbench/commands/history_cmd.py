"""`history`: the life of every finding over the runs recorded in the ledger."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from insight_workbench.commands.common import parse_format, utf8, write_json, write_text
from insight_workbench.errors import InputError
from insight_workbench.findings import plural
from insight_workbench.terminal import printable

if TYPE_CHECKING:
    from insight_workbench.ledger.lifecycle import FindingLife, Lifecycle

FORMATS = ("table", "json")


def history(
    rule: Annotated[
        str | None,
        typer.Option(
            "--rule",
            metavar="PREFIX",
            help="Only findings of rules whose code starts with this prefix.",
            callback=utf8,
        ),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option("--key", metavar="KEY", help="Only findings with this key.", callback=utf8),
    ] = None,
    format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """The life of every finding over the runs recorded in the ledger (INSIGHT_LEDGER),
    in the order of the snapshots' export times: new, open, resolved, reopened or
    excepted, with the DPO's decisions."""
    from insight_workbench.ledger.database import written_ledger
    from insight_workbench.ledger.lifecycle import Lifecycle, finding_lifecycle

    chosen = parse_format(format, FORMATS)
    if rule is not None and not rule.strip():
        raise InputError("--rule: an empty rule prefix was given")
    prefix = rule.strip() if rule else None
    ledger = written_ledger()
    lifecycle = finding_lifecycle(ledger, prefix, key) if ledger is not None else Lifecycle((), ())
    if prefix is not None and not lifecycle.findings:
        # A mistyped prefix is refused, as by `check`: never "no finding". One that no
        # rule has any more still shows the findings recorded under it.
        from insight_workbench.rules import RULES, select_rules

        select_rules(RULES, [prefix])
    if chosen == "json":
        write_json(lifecycle.as_dict())
    else:
        write_text(render_table(lifecycle))


def render_table(lifecycle: Lifecycle) -> str:
    """The runs, then one line per finding; instants as the workbench prints them."""
    if not lifecycle.runs:
        return "No runs are recorded in the ledger (record one with `check SNAPSHOT --record`).\n"
    run_rows = [
        (
            _instant(run.as_dict()["exported_at"]),
            _instant(run.as_dict()["as_of"]),
            printable(run.snapshot_id),
            str(run.findings),
        )
        for run in lifecycle.runs
    ]
    lines = [f"{plural(len(run_rows), 'recorded run')}, in order of export", ""]
    lines += _aligned(("exported_at", "as_of", "snapshot", "findings"), run_rows, right=(3,))
    if not lifecycle.findings:
        return "\n".join([*lines, "", "No finding matches.", ""])
    states = Counter(finding.state for finding in lifecycle.findings)
    counts = ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
    lines += ["", f"{plural(len(lifecycle.findings), 'finding')}: {counts}", ""]
    header = (
        "rule",
        "key",
        "state",
        "first_seen",
        "last_seen",
        "runs",
        "resolved_in",
        "excepted_until",
        "owner",
        "decisions",
    )
    rows = [_finding_row(finding) for finding in lifecycle.findings]
    lines += _aligned(header, rows, right=(5, 9))
    return "\n".join([*lines, ""])


def _finding_row(finding: FindingLife) -> tuple[str, ...]:
    from insight_workbench.ledger.decisions import current_owner

    shown = finding.as_dict()
    owner = current_owner(finding.decisions)
    return (
        finding.rule,
        printable(finding.key),
        finding.state,
        _instant(shown["first_seen"]),
        _instant(shown["last_seen"]),
        str(finding.runs_seen),
        _instant(shown["resolved_in"]),
        finding.exception.until or "-" if finding.exception else "-",
        printable(owner) if owner else "-",
        str(len(finding.decisions)),
    )


def _instant(text: str | None) -> str:
    return text or "-"


def _aligned(
    header: tuple[str, ...], rows: Sequence[tuple[str, ...]], right: tuple[int, ...] = ()
) -> list[str]:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells: tuple[str, ...]) -> str:
        padded = [
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(padded).rstrip()

    return [line(header), *(line(row) for row in rows)]
