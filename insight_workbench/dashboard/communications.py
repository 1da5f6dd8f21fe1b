"""Communications and third parties (DPO): messages sent after an opt-out (COM-001),
how long marketing kept coming after one, and the processors register with its
assessment and review status (TPP-001/TPP-002 and the schedule)."""

from __future__ import annotations

import pandas as pd

from insight_workbench.dashboard import audit, records, session
from insight_workbench.dashboard.session import Workbench
from insight_workbench.deadlines.due_dates import params, prepare
from insight_workbench.deadlines.schedule import build_schedule
from insight_workbench.rules.runner import run_check
from insight_workbench.sql import frame

OPT_OUT_RULE = "COM-001"
MESSAGES = ["message_id", "user_id", "category", "sent_at", "opted_out_at", "channel"]


def after_opt_out(wb: Workbench) -> pd.DataFrame:
    """Optional messages sent after the user opted out of their category (COM-001)."""
    findings = run_check(wb.snapshot, wb.policy, wb.as_of, prefixes=[OPT_OUT_RULE]).findings
    rows = [{"message_id": f.key.removeprefix("message:"), **f.evidence} for f in findings]
    frame = pd.DataFrame(rows, columns=MESSAGES)
    for column in ("sent_at", "opted_out_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def message(wb: Workbench, message_id: str) -> pd.DataFrame:
    """One message's row for its record where no rule names it (sent to someone who had
    not opted out, or of a category nobody opts out of): message_id, user_id, category,
    sent_at; no row for an id the snapshot does not hold."""
    cursor = wb.snapshot.cursor()
    try:
        return frame(cursor, "communications_message.sql", message_id=message_id)
    finally:
        cursor.close()


def own_facts(wb: Workbench, messages: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The facts of the address's message: its row among `messages` (COM-001's), else,
    for a message no rule names, its own row, so that its link leads to the record rather
    than to "check the link"; and the keys of that own row, for the audit trail."""
    ident = records.selected("message")
    if ident is None or not records.focus(messages, message="message_id").empty:
        return messages, []
    facts = session.cached(message, wb, ident)
    return facts, audit.keys("message", facts["message_id"])


def with_decisions(messages: pd.DataFrame, decided: records.Decided) -> pd.DataFrame:
    """The messages (each a COM-001 finding, `message:<id>`) with each one's exception
    and owner."""
    keys = [f"message:{message_id}" for message_id in messages["message_id"]]
    return records.decisions_beside(messages, decided, [OPT_OUT_RULE] * len(messages), keys)


def latency(messages: pd.DataFrame) -> pd.DataFrame:
    """Per opt-out that was not honoured: how many messages followed it and how long
    after it the last one was sent (days): the time the opt-out took to take effect."""
    columns = ["user_id", "category", "channel", "opted_out_at", "messages", "days_to_last"]
    if messages.empty:
        return pd.DataFrame(columns=columns)
    grouped = messages.groupby(
        ["user_id", "category", "channel", "opted_out_at"], as_index=False
    ).agg(messages=("message_id", "count"), last_sent=("sent_at", "max"))
    seconds = (grouped["last_sent"] - grouped["opted_out_at"]).dt.total_seconds()
    grouped["days_to_last"] = (seconds / 86400).round(1)
    return grouped[columns].sort_values("days_to_last", ascending=False, ignore_index=True)


def latency_by_channel(per_opt_out: pd.DataFrame) -> pd.DataFrame:
    """Unhonoured opt-outs per channel, with the median and longest delay in days."""
    columns = ["channel", "opt_outs_not_honoured", "median_days", "longest_days"]
    if per_opt_out.empty:
        return pd.DataFrame(columns=columns)
    summary = per_opt_out.groupby("channel", as_index=False).agg(
        opt_outs_not_honoured=("user_id", "count"),
        median_days=("days_to_last", "median"),
        longest_days=("days_to_last", "max"),
    )
    return summary[columns]


def processors(wb: Workbench, decided: records.Decided = ()) -> pd.DataFrame:
    """The processors register: each processor's assessment, latest evaluation, next review
    and status from TPP-001/TPP-002 (the rules' own computation of the review date).
    A finding an exception covers (`decided`: rule, key, last day, owner) is said to be
    excepted until its end date, and alone it leaves nothing to do (`action_needed`);
    `owner` names who its findings are assigned to."""
    cursor = wb.snapshot.cursor()
    try:
        prepare(cursor, wb.policy)
        register = frame(
            cursor, "processor_register.sql", review_months=params(wb.policy)["review_months"]
        )
    finally:
        cursor.close()
    findings = run_check(wb.snapshot, wb.policy, wb.as_of, prefixes=["TPP"]).findings
    standing = {(rule, key): (day, owner) for rule, key, day, owner in decided}
    problems: dict[str, list[tuple[str, bool, str | None]]] = {}
    for finding in findings:
        label = "not assessed before contract" if finding.rule == "TPP-001" else "review overdue"
        day, owner = standing.get((finding.rule, finding.key), (None, None))
        said = f"{finding.rule} excepted until {day}" if day else f"{finding.rule} {label}"
        problems.setdefault(finding.key.removeprefix("processor:"), []).append(
            (said, not day, owner)
        )
    found = [problems.get(p, []) for p in register["processor_id"]]
    register["status"] = [", ".join(said for said, _, _ in p) or "in order" for p in found]
    register["action_needed"] = [any(open_ for _, open_, _ in p) for p in found]
    owners = [list(dict.fromkeys(owner for _, _, owner in p if owner)) for p in found]
    # "; ": an owner's name may hold a comma ("Smith, J")
    register["owner"] = pd.Series(["; ".join(o) or None for o in owners], register.index, object)
    return register


def reviews_due(wb: Workbench, days: int) -> pd.DataFrame:
    """Processor reviews falling due within `days` (from the schedule)."""
    items = build_schedule(wb.snapshot, wb.policy, wb.as_of, within_days=days)
    rows = [
        {"processor_id": i.key.removeprefix("processor:"), "due": i.due, "message": i.message}
        for i in items
        if i.kind == "processor_review"
    ]
    return pd.DataFrame(rows, columns=["processor_id", "due", "message"])


def shown_keys(messages: pd.DataFrame, register: pd.DataFrame) -> list[str]:
    """The records the page shows, for the audit trail: messages, people, processors."""
    pairs = [
        ("message", messages["message_id"]),
        ("user", messages["user_id"]),
        ("processor", register["processor_id"]),
    ]
    return sorted({f"{kind}:{v}" for kind, values in pairs for v in values.dropna()})
