"""The DPO's decisions about findings: append-only entries of the hash-chained
`ledger_decisions` table, each naming one finding (rule and key) of a recorded run.

    decide(ledger, "RET-001", "org:O17", Request("assign", owner="Records team"))

An exception needs a basis, an approver and an end date after today's date in London;
it covers the finding up to and including that date, unless withdrawn before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, func, or_, select

from insight_workbench.errors import InputError
from insight_workbench.ledger import audit_trail, chain
from insight_workbench.ledger.database import Ledger, acting_user, reading, writing
from insight_workbench.ledger.instants import now as clock_now
from insight_workbench.ledger.instants import parsed_date, shown, stored
from insight_workbench.ledger.tables import KEY, asked_by_held, decisions, findings, held_key
from insight_workbench.timeutil import to_utc

LONDON = ZoneInfo("Europe/London")
ACKNOWLEDGE, ASSIGN, NOTE = "acknowledge", "assign", "note"
EXCEPT, WITHDRAW = "except", "withdraw-exception"
ACTIONS = (ACKNOWLEDGE, ASSIGN, NOTE, EXCEPT, WITHDRAW)
LONGEST_TEXT = 4000  # a note or a basis: a paragraph, not a document


@dataclass(frozen=True)
class Request:
    """A decision as asked for, before it is checked and recorded."""

    action: str
    owner: str | None = None
    note: str | None = None
    basis: str | None = None
    approver: str | None = None
    until: date | None = None


@dataclass(frozen=True)
class Decision:
    """A recorded decision; `at` is a stored instant, `until` a `YYYY-MM-DD` date."""

    action: str
    by: str
    at: str
    owner: str | None = None
    note: str | None = None
    basis: str | None = None
    approver: str | None = None
    until: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "by": self.by,
            "at": shown(self.at),
            "owner": self.owner,
            "note": self.note,
            "basis": self.basis,
            "approver": self.approver,
            "until": self.until,
        }

    def exception_dict(self) -> dict[str, Any]:
        return {
            "basis": self.basis,
            "approver": self.approver,
            "until": self.until,
            "by": self.by,
            "at": shown(self.at),
        }


def london_today(moment: datetime) -> date:
    """The calendar date in London at `moment` (a naive `moment` is UTC)."""
    return to_utc(moment).astimezone(LONDON).date()


def active_exception(history: Iterable[Decision], today: date) -> Decision | None:
    """The exception covering a finding on `today`: the latest one granted, unless it
    was withdrawn after it or its end date has passed."""
    current: Decision | None = None
    for decision in history:
        if decision.action == EXCEPT:
            current = decision
        elif decision.action == WITHDRAW:
            current = None
    if current is None or current.until is None or parsed_date(current.until) < today:
        return None
    return current


def current_owner(history: Iterable[Decision]) -> str | None:
    """The owner a finding is assigned to: the one its latest `assign` named."""
    owners = [decision.owner for decision in history if decision.action == ASSIGN]
    return owners[-1] if owners else None


@dataclass(frozen=True)
class Standing:
    """What the decisions about one finding say today: the exception covering it, if
    any, and the owner it is assigned to, if any."""

    exception: Decision | None
    owner: str | None


def standing_decisions(
    ledger: Ledger, rule_prefix: str | None = None, now: datetime | None = None
) -> dict[tuple[str, str], Standing]:
    """The standing of each finding (rule, key) with an exception in force today or an
    owner, for rules starting with `rule_prefix`: read from the decisions alone, however
    many runs are recorded."""
    today = london_today(now or clock_now())
    with reading(ledger) as connection:
        decided = decisions_by_finding(connection, rule_prefix)
    standing = {
        finding: Standing(active_exception(history, today), current_owner(history))
        for finding, history in decided.items()
    }
    return {finding: s for finding, s in standing.items() if s.exception or s.owner}


def decide(
    ledger: Ledger,
    rule: str,
    key: str,
    request: Request,
    by: str | None = None,
    now: datetime | None = None,
    role: str = "cli",
) -> Decision:
    """Append `request` about the finding `rule` `key`, made by `by` (default: the
    acting user) at `now`. Raises `InputError`, recording nothing, when the request is
    incomplete, the finding is in no recorded run, or there is no exception to withdraw."""
    moment = now or clock_now()
    today = london_today(moment)
    decision = _checked(
        request, _text("who decides", "by", by or acting_user(), KEY), moment, today
    )
    with writing(ledger) as connection:
        if not finding_recorded(connection, rule, key):
            raise InputError(
                f"{rule} {key}: no recorded run has this finding; a decision must name the "
                "rule and key of a finding in the ledger"
            )
        if request.action == WITHDRAW:
            history = decisions_by_finding(connection, rule=rule, key=key).get((rule, key), [])
            if active_exception(history, today) is None:
                raise InputError(f"{rule} {key}: has no exception in force to withdraw")
        fields = {"rule": rule, "key": held_key(key), **asdict(decision)}
        chain.append(connection, decisions, fields)
        audit_trail.append_entry(
            connection, decision.by, role, "decision", _logged_finding(key), None
        )
    return decision


def _logged_finding(key: str) -> list[str]:
    """The finding's key as the audit trail names it (escaped, or by its hash when unfit
    as it is); none when its kind is one the trail never names (ACC-004's `ip:`
    addresses are values, not ids)."""
    if key.split(":", 1)[0] not in audit_trail.KEY_KINDS:
        return []
    return [audit_trail.loggable_key(key)]


def finding_recorded(connection: Connection, rule: str, key: str) -> bool:
    held = held_key(key)
    found = connection.execute(
        select(findings.c.run_id).where(findings.c.rule == rule, findings.c.key == held).limit(1)
    ).first()
    return found is not None


def key_matches(column: Any, key: str, with_parts: bool) -> ColumnElement[bool]:
    """`column` is `key` (as the ledger holds it: `held_key`), or with `with_parts` the
    key of one of its parts (`key:…`, one the ledger holds as it is). Compared exactly,
    case and all (SQLite's LIKE ignores case: `Notes` is not `notes`)."""
    exact: ColumnElement[bool] = column == held_key(key)
    if not with_parts:
        return exact
    head = key + ":"
    return or_(exact, func.substr(column, 1, len(head)) == head)


def decisions_by_finding(
    connection: Connection,
    rule_prefix: str | None = None,
    key: str | None = None,
    *,
    rule: str | None = None,
    with_parts: bool = False,
) -> dict[tuple[str, str], list[Decision]]:
    """Every decision, oldest first, by (rule, key); only rules starting with
    `rule_prefix`, exactly `rule`, and exactly `key` when given (`with_parts`: or the
    key of one of its parts, `key:…`). A key held by its digest is named `key` again."""
    query = select(decisions).order_by(decisions.c.seq)
    if rule_prefix:
        query = query.where(decisions.c.rule.startswith(rule_prefix, autoescape=True))
    if rule:
        query = query.where(decisions.c.rule == rule)
    if key is not None:
        query = query.where(key_matches(decisions.c.key, key, with_parts))
    asked = asked_by_held([] if key is None else [key])
    found: dict[tuple[str, str], list[Decision]] = defaultdict(list)
    for row in connection.execute(query).mappings():
        found[(row["rule"], asked.get(row["key"], row["key"]))].append(
            Decision(
                action=row["action"],
                by=row["by"],
                at=row["at"],
                owner=row["owner"],
                note=row["note"],
                basis=row["basis"],
                approver=row["approver"],
                until=row["until"],
            )
        )
    return dict(found)


class DecisionError(InputError):
    """A decision refused for one of its parts (`note`, `owner`, `basis`, `approver`,
    `until`, `by`): a view names its own field for it (the command line its option)."""

    def __init__(self, message: str, part: str) -> None:
        super().__init__(message)
        self.part = part


def _checked(request: Request, by: str, moment: datetime, today: date) -> Decision:
    """The decision `request` asks for, or `InputError` saying what is missing."""
    if request.action not in ACTIONS:
        raise InputError(f"unknown decision '{request.action}' (one of {', '.join(ACTIONS)})")
    note = _optional_text("the note", "note", request.note, LONGEST_TEXT)
    owner = basis = approver = until = None
    if request.action == NOTE and note is None:
        raise DecisionError("a note needs its text", "note")
    if request.action == ASSIGN:
        owner = _text("the owner", "owner", request.owner, KEY)
    elif request.owner is not None:
        raise InputError("an owner is given only when assigning")
    if request.action == EXCEPT:
        basis = _text("an exception's basis", "basis", request.basis, LONGEST_TEXT)
        approver = _text("an exception's approver", "approver", request.approver, KEY)
        if request.until is None:
            raise DecisionError("an exception needs an end date (until)", "until")
        if request.until <= today:
            raise DecisionError(
                f"an exception's end date must be after today ({today.isoformat()} in "
                f"London); {request.until.isoformat()} is not",
                "until",
            )
        until = request.until.isoformat()
    elif (request.basis, request.approver, request.until) != (None, None, None):
        raise InputError("a basis, an approver and an end date are given only with an exception")
    return Decision(request.action, by, stored(moment), owner, note, basis, approver, until)


def _text(what: str, part: str, value: str | None, longest: int) -> str:
    text = _optional_text(what, part, value, longest)
    if text is None:
        raise DecisionError(f"{what} is required and cannot be blank", part)
    return text


def _optional_text(what: str, part: str, value: str | None, longest: int) -> str | None:
    """`value` without surrounding spaces (None when blank); too long or holding a NUL
    character (which PostgreSQL cannot store) is an `InputError`."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if len(text) > longest:
        raise DecisionError(f"{what} is too long ({len(text)} characters; at most {longest})", part)
    if "\x00" in text:
        raise DecisionError(f"{what} holds a NUL character", part)
    return text
