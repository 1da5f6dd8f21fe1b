"""A finding's history and decisions, for the detail panel of a record (DPO only).

    render_finding_history("RET-001", "org:O17", wb.role, signed_in_email_or_None)

Shows the recorded runs of the finding's rule and whether each found it, its state,
the exception in force and every decision, then a form to add a decision. Analysts see
neither: keys name people and organisations, and decisions hold what the DPO typed.
"""

from __future__ import annotations

import hashlib
import time
from datetime import date, datetime

import pandas as pd
import streamlit as st

from insight_workbench.dashboard import tables
from insight_workbench.dashboard.roles import DPO
from insight_workbench.dashboard.session import logged_callback
from insight_workbench.errors import InputError
from insight_workbench.ledger.database import acting_user, open_ledger
from insight_workbench.ledger.decisions import (
    ACTIONS,
    ASSIGN,
    EXCEPT,
    Decision,
    Request,
    current_owner,
    decide,
)
from insight_workbench.ledger.instants import shown
from insight_workbench.ledger.lifecycle import FindingLife, Lifecycle, finding_lifecycle
from insight_workbench.markdown_text import escape_markdown, markdown_code

# A second submit of the same action this soon is a double-click, not a decision.
DOUBLE_SUBMIT_SECONDS = 3.0
ACTION_LABELS = {
    "acknowledge": "Acknowledge",
    "assign": "Assign an owner",
    "note": "Add a note",
    "except": "Grant an exception",
    "withdraw-exception": "Withdraw the exception",
}
STATE_LABELS = {
    "new": "New: found for the first time by the latest run of its rule",
    "open": "Open",
    "resolved": "Resolved: a later run no longer found it",
    "reopened": "Reopened: found again after it had been resolved",
    "excepted": "Excepted: an exception in force covers it",
}


def render_finding_history(
    rule: str, key: str, role: str, user: str | None, now: datetime | None = None
) -> None:
    """The history and decisions of the finding `rule` `key`, and (DPO) a form adding a
    decision made by `user` (the signed-in address; None: the acting user)."""
    if role != DPO:
        st.caption("The history of findings and the decisions about them are for the DPO.")
        return
    widget = _widget_prefix(rule, key)
    try:
        lifecycle = finding_lifecycle(open_ledger(), rule, key, now)
    except InputError as error:
        st.error(escape_markdown(error))
        return
    life = next((f for f in lifecycle.findings if f.rule == rule), None)
    if life is None:
        st.info(
            "No recorded run has this finding: once a check of a snapshot holding it is "
            "recorded in the ledger, its history and decisions appear here."
        )
        return
    _show_history(lifecycle, life, widget)
    _show_outcome(widget)
    _decision_form(rule, key, user, now, widget)


def _show_history(lifecycle: Lifecycle, life: FindingLife, widget: str) -> None:
    st.markdown(f"**{escape_markdown(life.rule)}** {markdown_code(life.key)}")
    st.markdown(f"State: **{STATE_LABELS[life.state]}**")
    owner = current_owner(life.decisions)
    st.markdown(f"Owner: **{escape_markdown(owner)}**" if owner else "Owner: not assigned")
    resolved = f"; resolved in the run of {shown(life.resolved_in)}" if life.resolved_in else ""
    st.caption(
        f"First seen in the export of {shown(life.first_seen)}, last seen in that of "
        f"{shown(life.last_seen)}, found by {life.runs_seen} of the recorded runs{resolved}."
    )
    if life.exception is not None:
        st.info(escape_markdown(_exception_text(life.exception)))
    runs = pd.DataFrame(
        [
            {
                "exported_at": shown(run.exported_at),
                "as_of": shown(run.as_of),
                "snapshot": run.snapshot_id,
                "found": run.run_id in life.seen_in,
            }
            for run in lifecycle.runs
            if life.rule in run.rules or run.run_id in life.seen_in
        ]
    )
    tables.show(runs, f"{widget}_runs", download=False)
    if life.decisions:
        frame = pd.DataFrame([d.as_dict() for d in life.decisions])
        frame = frame.dropna(axis="columns", how="all")  # fields no decision here has
        tables.show(frame, f"{widget}_decisions", download=False)
    else:
        st.caption("No decision yet.")


def _exception_text(exception: Decision) -> str:
    return (
        f"Excepted until {exception.until} (inclusive), approved by {exception.approver}: "
        f"{exception.basis}. Recorded by {exception.by} at {shown(exception.at)}."
    )


def _show_outcome(widget: str) -> None:
    outcome = st.session_state.pop(f"{widget}_outcome", None)
    if outcome:
        kind, text = outcome
        (st.success if kind == "success" else st.error)(escape_markdown(text))


def _decision_form(
    rule: str, key: str, user: str | None, now: datetime | None, widget: str
) -> None:
    with st.form(f"{widget}_form"):
        st.selectbox(
            "Decision", ACTIONS, format_func=ACTION_LABELS.__getitem__, key=f"{widget}_action"
        )
        st.text_input("Owner (when assigning)", key=f"{widget}_owner")
        st.text_input("Basis (exceptions)", key=f"{widget}_basis")
        st.text_input("Approved by (exceptions)", key=f"{widget}_approver")
        st.date_input(  # no later bound than the command line's (Streamlit's is 10 years)
            "Until, inclusive (exceptions)",
            value=None,
            max_value=date(9999, 12, 31),
            key=f"{widget}_until",
        )
        st.text_area("Note", key=f"{widget}_note")
        st.form_submit_button(
            "Record the decision",
            type="primary",
            key=f"{widget}_submit",
            on_click=logged_callback(_record),
            args=(rule, key, user, now, widget),
        )


def _record(rule: str, key: str, user: str | None, now: datetime | None, widget: str) -> None:
    """Runs before the page is drawn again, so the history shown includes the decision;
    the form keeps what was typed when the decision is refused."""
    state = st.session_state
    action = str(state[f"{widget}_action"])
    until = state[f"{widget}_until"]
    request = Request(
        action,
        owner=state[f"{widget}_owner"] if action == ASSIGN else None,
        note=state[f"{widget}_note"] or None,
        basis=(state[f"{widget}_basis"] or None) if action == EXCEPT else None,
        approver=(state[f"{widget}_approver"] or None) if action == EXCEPT else None,
        until=until if action == EXCEPT and isinstance(until, date) else None,
    )
    # The same action again within a moment is a double-click (its second submit may
    # carry the form as cleared after the first): recorded once, and said so.
    submitted = (action, time.monotonic())
    last = state.get(f"{widget}_recorded")
    if last is not None and last[0] == action and submitted[1] - last[1] < DOUBLE_SUBMIT_SECONDS:
        state[f"{widget}_outcome"] = ("success", f"Recorded once: {ACTION_LABELS[action]}.")
        return
    try:
        decision = decide(
            open_ledger(), rule, key, request, by=user or acting_user(), now=now, role=DPO
        )
    except InputError as error:
        state[f"{widget}_outcome"] = ("error", f"Not recorded: {error}.")
        return
    state[f"{widget}_recorded"] = submitted
    state[f"{widget}_outcome"] = ("success", f"Recorded: {ACTION_LABELS[decision.action]}.")
    for field in ("owner", "basis", "approver", "note"):  # a fresh form for the next one
        state[f"{widget}_{field}"] = ""
    state[f"{widget}_until"] = None


def _widget_prefix(rule: str, key: str) -> str:
    """Widget keys of one finding's panel, apart from every other panel's."""
    digest = hashlib.sha256(f"{rule}\x00{key}".encode()).hexdigest()[:12]
    return f"finding_{digest}"
