"""`ledger verify` and `ledger prune`: the hash chains of the audit trail and decisions."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from insight_workbench.commands.common import DAY, PolicyOption, say
from insight_workbench.errors import InputError
from insight_workbench.terminal import printable

ledger_app = typer.Typer(
    help="Check and prune the ledger (INSIGHT_LEDGER).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@ledger_app.command("verify")
def verify() -> None:
    """Check the hash chains of the audit trail and the decisions. Exit 0 when both are
    intact, 1 naming the first entry of a chain that was changed, removed or reordered."""
    from insight_workbench.ledger import audit_trail
    from insight_workbench.ledger.database import open_existing_ledger

    states = audit_trail.verify(open_existing_ledger())
    _say_if_open_to_others()
    if all(state.broken is None for state in states):
        trail, made = states
        said = [
            f"intact ({_count(trail.entries, 'audit entry', 'audit entries')}, "
            f"{_count(made.entries, 'decision', 'decisions')})"
        ]
        if trail.pruned:
            older = _count(trail.pruned, "older audit entry", "older audit entries")
            said.append(f"({older} pruned under [audit] keep_days)")
        say("\n".join(said))
        return
    say(
        "\n".join(
            f"{state.name}: intact ({_count(state.entries, 'entry', 'entries')})"
            if state.broken is None
            else f"{state.name}: broken at entry {state.broken.seq}: {state.broken.problem}"
            for state in states
        )
    )
    raise typer.Exit(1)


def _say_if_open_to_others() -> None:
    """A note on stderr when others may read the ledger's file: it holds decision notes
    and the IP addresses of ACC-004's keys. The chains' verdict is unchanged."""
    from insight_workbench.ledger.database import open_to_others

    shared = open_to_others()
    if shared is not None:
        path, mode = shared
        typer.echo(
            f"note: ledger {printable(str(path))} can be read or written by others (mode "
            f"{mode:04o}); it holds decision notes and IP addresses: `chmod 600` it",
            err=True,
        )


@ledger_app.command("prune")
def prune(
    policy: PolicyOption = None,
    today: Annotated[
        str | None,
        typer.Option("--today", help="YYYY-MM-DD to count from. Default: today (UTC)."),
    ] = None,
) -> None:
    """Remove audit entries older than the policy's [audit] keep_days, leaving a
    checkpoint the rest verifies against. Exit 1, removing nothing, when the audit trail
    does not verify. Decisions are never pruned."""
    from insight_workbench.ledger import audit_trail
    from insight_workbench.ledger.database import open_existing_ledger
    from insight_workbench.ledger.instants import now
    from insight_workbench.policy import load_policy

    keep_days = load_policy(policy).audit.keep_days
    current = now().date()
    day = current if today is None else _day(today, current, keep_days)
    try:
        done = audit_trail.prune(open_existing_ledger(), day, keep_days)
    except audit_trail.BrokenChain as broken:
        typer.echo(f"audit trail: broken at {broken}; nothing was pruned")
        raise typer.Exit(1) from None
    typer.echo(
        f"pruned {_count(done.removed, 'audit entry', 'audit entries')} written before "
        f"{done.before.date().isoformat()} (keep_days {keep_days}); {done.kept} kept"
    )


def _day(text: str, current: date, keep_days: int) -> date:
    """`--today`: a date that has come (a later one would prune entries keep_days
    promises to keep), from which keep_days reach back no further than year 1."""
    written = text.strip()
    try:
        day = date.fromisoformat(written) if DAY.fullmatch(written) else None  # not 2027-W10-1
    except ValueError:
        day = None
    if day is None:
        raise InputError(f"--today {text}: not a date (YYYY-MM-DD)")
    if day > current:
        raise InputError(f"--today {written}: after today ({current.isoformat()}, UTC)")
    if (day - date.min).days < keep_days:
        raise InputError(f"--today {written}: keep_days {keep_days} reach back before year 1")
    return day


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"
