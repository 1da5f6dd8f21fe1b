"""Reading the DPO's decisions about finding keys, as the evidence and the reports show
them: every decision in order, and the exception that stands for a key.

A small reader of the `ledger_decisions` table; writing decisions belongs to the
decisions module, whose action names it uses.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, select

from insight_workbench.ledger.decisions import EXCEPT, WITHDRAW
from insight_workbench.ledger.instants import parsed_date, shown
from insight_workbench.ledger.tables import asked_by_held, decisions

GRANTS = (EXCEPT,)  # `decide --except`
WITHDRAWALS = (WITHDRAW,)  # `decide --withdraw-exception`


@dataclass(frozen=True)
class Decision:
    seq: int
    rule: str
    key: str
    action: str
    by: str
    at: str  # as the workbench shows instants
    owner: str | None
    note: str | None
    basis: str | None
    approver: str | None
    until: str | None  # an exception's last day, YYYY-MM-DD

    def as_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def decisions_about(
    connection: Connection, keys: Collection[str] | None = None
) -> dict[str, list[Decision]]:
    """The decisions about each key (all keys when `keys` is None), oldest first; by the
    keys given, even those the ledger holds by their digest (`held_key`)."""
    statement = select(decisions).order_by(decisions.c.seq)
    asked: dict[str, str] = {}  # the key held: the key given
    if keys is not None:
        if not keys:
            return {}
        asked = asked_by_held(keys)
        statement = statement.where(decisions.c.key.in_(sorted(asked)))
    found: dict[str, list[Decision]] = {}
    for row in connection.execute(statement).mappings():
        decision = Decision(
            seq=int(row["seq"]),
            rule=row["rule"],
            key=asked.get(row["key"], row["key"]),
            action=row["action"],
            by=row["by"],
            at=shown(row["at"]) or "",
            owner=row["owner"],
            note=row["note"],
            basis=row["basis"],
            approver=row["approver"],
            until=row["until"],
        )
        found.setdefault(decision.key, []).append(decision)
    return found


def standing_exception(history: list[Decision], rule: str | None = None) -> Decision | None:
    """The last exception granted (for `rule`, when given) and not withdrawn since,
    whether or not its `until` has passed: the reader compares it with the dates."""
    standing: Decision | None = None
    for decision in history:
        if rule is not None and decision.rule != rule:
            continue
        if decision.action in GRANTS:
            standing = decision
        elif decision.action in WITHDRAWALS:
            standing = None
    return standing


def in_force(exception: Decision | None, on: date) -> bool:
    """Whether `exception` still covers day `on` (its `until` is that day or later)."""
    return (
        exception is not None and exception.until is not None and parsed_date(exception.until) >= on
    )
