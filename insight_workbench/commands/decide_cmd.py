"""`decide KEY --rule CODE ACTION`: append one decision about a finding to the ledger."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from insight_workbench.commands.common import DAY, given_key, utf8
from insight_workbench.errors import InputError
from insight_workbench.terminal import printable

ACTION_OPTIONS = "--acknowledge, --assign OWNER, --note TEXT, --except or --withdraw-exception"
EXCEPTION_OPTIONS = ("--basis", "--approver", "--until")
# The option (or setting) each part of a refused decision came from.
DECISION_OPTIONS = {
    "note": "--note",
    "owner": "--assign",
    "basis": "--basis",
    "approver": "--approver",
    "until": "--until",
    "by": "INSIGHT_USER",
}


def decide(
    key: Annotated[
        str, typer.Argument(metavar="KEY", help="The finding's key, e.g. org:O17.", callback=utf8)
    ],
    rule: Annotated[
        str,
        typer.Option(
            "--rule", metavar="CODE", help="The finding's rule code, e.g. RET-001.", callback=utf8
        ),
    ],
    acknowledge: Annotated[
        bool, typer.Option("--acknowledge", help="The finding has been seen.")
    ] = False,
    assign: Annotated[
        str | None,
        typer.Option("--assign", metavar="OWNER", help="Who deals with it.", callback=utf8),
    ] = None,
    note: Annotated[
        str | None,
        typer.Option(
            "--note", metavar="TEXT", help="A note, alone or with another action.", callback=utf8
        ),
    ] = None,
    except_: Annotated[
        bool,
        typer.Option(
            "--except", help="An exception: needs --basis, --approver and a future --until."
        ),
    ] = False,
    basis: Annotated[
        str | None,
        typer.Option(
            "--basis", metavar="TEXT", help="Why the exception is allowed.", callback=utf8
        ),
    ] = None,
    approver: Annotated[
        str | None,
        typer.Option(
            "--approver", metavar="NAME", help="Who approved the exception.", callback=utf8
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            metavar="DATE",
            help="The exception's last day, YYYY-MM-DD, after today (London).",
        ),
    ] = None,
    withdraw: Annotated[
        bool, typer.Option("--withdraw-exception", help="End the exception in force.")
    ] = False,
) -> None:
    """Append one decision about the finding RULE KEY of a recorded run to the ledger,
    made by INSIGHT_USER (default: the operating-system user). Exactly one action; an
    exception without basis, approver or a future end date is refused (exit 2)."""
    from insight_workbench.ledger.database import NoLedgerYet, acting_user, open_existing_ledger
    from insight_workbench.ledger.decisions import DecisionError, Request
    from insight_workbench.ledger.decisions import decide as append_decision

    key = given_key("KEY", key)
    action = _action(acknowledge, assign, note, except_, withdraw)
    given = [
        name
        for name, value in zip(EXCEPTION_OPTIONS, (basis, approver, until), strict=True)
        if value
    ]
    if action == "except":
        if missing := [name for name in EXCEPTION_OPTIONS if name not in given]:
            raise InputError(f"--except needs {' and '.join(missing)} as well")
    elif given:
        raise InputError(f"{' and '.join(given)}: only with --except")
    request = Request(action, assign, note, basis, approver, _date(until))
    by = acting_user()
    try:  # a decision needs a recorded finding: none where no ledger is written
        ledger = open_existing_ledger()
    except NoLedgerYet as nothing:
        raise InputError(
            f"{nothing}, so no run is recorded to decide on "
            "(record one with `check SNAPSHOT --record`)"
        ) from None
    try:
        decision = append_decision(ledger, rule.strip().upper(), key, request, by=by)
    except DecisionError as refused:
        option = DECISION_OPTIONS.get(refused.part)
        raise InputError(f"{option}: {refused}" if option else str(refused)) from None
    what = f"{decision.action}"
    if decision.owner:
        what += f" (owner {printable(decision.owner)})"
    if decision.until:
        what += f" (until {decision.until})"
    at = decision.as_dict()["at"]
    typer.echo(
        f"Recorded {what} for {rule.strip().upper()} {printable(key)} "
        f"by {printable(decision.by)} at {at}"
    )


def _action(
    acknowledge: bool, assign: str | None, note: str | None, except_: bool, withdraw: bool
) -> str:
    """The one action asked for; a note alone is the action `note`."""
    chosen = [
        name
        for name, asked in (
            ("acknowledge", acknowledge),
            ("assign", assign is not None),
            ("except", except_),
            ("withdraw-exception", withdraw),
        )
        if asked
    ]
    if len(chosen) > 1:
        options = ", ".join(f"--{name}" for name in chosen)
        raise InputError(f"{options}: give one action at a time")
    if chosen:
        return chosen[0]
    if note is not None:
        return "note"
    raise InputError(f"give one action: {ACTION_OPTIONS}")


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    written = text.strip()
    try:
        if DAY.fullmatch(written):  # not 2027-W10-1, which fromisoformat also reads
            return date.fromisoformat(written)
    except ValueError:
        pass
    raise InputError("--until: give a date as YYYY-MM-DD")
