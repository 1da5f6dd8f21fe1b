"""Retention (DPO): closed and potential-customer organisations with their due dates, the
rows still held, and the action list as a spreadsheet-safe CSV."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from insight_workbench.csvsafe import csv_bytes
from insight_workbench.dashboard import session
from insight_workbench.dashboard.session import Workbench
from insight_workbench.deadlines.retention_table import retention_status
from insight_workbench.findings import Finding
from insight_workbench.loading.schema import PERSONAL_DATA_TABLES
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.policy import Policy
from insight_workbench.rules.runner import run_check
from insight_workbench.sql import frame as sql_frame
from insight_workbench.subject_requests.request_table import request_deadlines

HELD_TABLES = list(PERSONAL_DATA_TABLES)
STATES = ("overdue", "due now", "upcoming", "nothing held")
RULES = {"RET-001": "closed account", "RET-002": "potential customer"}
# Findings about one person's data rather than an organisation's.
PERSON_RULES = {"RET-003": "erasure not done", "RET-004": "data left without a user"}
PERSON_COLUMNS = [
    "rule",
    "kind",
    "key",
    "request_id",
    "user_id",
    "due_at",
    "rows_held",
    *HELD_TABLES,
    "message",
]


def status(wb: Workbench) -> pd.DataFrame:
    """Every organisation RET-001/RET-002 judges, overdue ones first (longest overdue
    first), then the rest soonest due first."""
    frame = retention_status(wb.snapshot, wb.policy, wb.as_of)
    frame.insert(1, "kind", frame["rule"].map(RULES))
    order = frame["state"].map({s: i for i, s in enumerate(STATES)}).fillna(len(STATES))
    frame = frame.assign(_order=order, _overdue=-frame["days_overdue"].fillna(0))
    ordered = frame.sort_values(["_order", "_overdue", "due_at"], kind="stable")
    first = [
        "org_id",
        "name",
        "kind",
        "state",
        "due_at",
        "days_overdue",
        "days_left",
        "rows_held",
        *HELD_TABLES,
    ]
    rest = [c for c in frame.columns if c not in first and not c.startswith("_")]
    return ordered[first + rest].reset_index(drop=True)


def users_held(wb: Workbench, org_id: str) -> pd.DataFrame:
    """The users of organisation `org_id` whose personal data is held, most rows first:
    rows per table, and when each account was deleted (blank: it was not). DPO only."""
    if not wb.is_dpo:
        raise PermissionError("users held: DPO only")
    cursor = wb.snapshot.cursor()
    try:
        held = sql_frame(cursor, "org_users_held.sql", org_id=org_id)
    finally:
        cursor.close()
    return held[["user_id", "deleted_at", "rows_held", *HELD_TABLES]]


def held_long(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows still held per organisation and table, for a stacked chart: an organisation
    both closed and a potential customer has a row per rule, its rows counted once."""
    held = frame[frame["rows_held"] > 0].drop_duplicates("org_id")
    long = held.melt(
        id_vars=["org_id", "name"], value_vars=HELD_TABLES, var_name="table", value_name="rows"
    )
    return long[long["rows"] > 0]


def person_findings(wb: Workbench) -> pd.DataFrame:
    """From the check every page shares. DPO only."""
    return people_held(wb.snapshot, wb.policy, wb.as_of, session.dpo_findings(wb))


def people_held(
    snapshot: Snapshot, policy: Policy, as_of: datetime, findings: list[Finding] | None = None
) -> pd.DataFrame:
    """RET-003 (an erasure marked done while the person's data is held) and RET-004 (data
    left behind for a user id with no users row), with the rows held per table: from
    `findings` when a check of the same snapshot, policy and `as_of` has them."""
    if findings is None:
        findings = run_check(snapshot, policy, as_of, prefixes=list(PERSON_RULES)).findings
    found = [f for f in findings if f.rule in PERSON_RULES]
    requesters: dict[str, str] = {}
    if found:
        requests = request_deadlines(snapshot, policy, as_of)
        requesters = dict(zip(requests["request_id"], requests["user_id"], strict=True))
    rows = []
    for f in found:
        ident = f.key.partition(":")[2]
        request_id = ident if f.rule == "RET-003" else None
        rows.append(
            {
                "rule": f.rule,
                "kind": PERSON_RULES[f.rule],
                "key": f.key,
                "request_id": request_id,
                "user_id": requesters.get(ident) if request_id else ident,
                "due_at": pd.Timestamp(f.due) if f.due else pd.NaT,
                "rows_held": sum(f.evidence.values()),
                **{t: int(f.evidence.get(t, 0)) for t in HELD_TABLES},
                "message": f.message,
            }
        )
    return pd.DataFrame(rows, columns=PERSON_COLUMNS)


def action_csv(frame: pd.DataFrame, people: pd.DataFrame | None = None) -> bytes:
    """The action list: organisations overdue for deletion, then people whose data is
    still held (RET-003, RET-004), each with what is still held per table, the last day
    of an exception in force and the owner assigned (when the frames carry
    `excepted_until` and `owner`)."""
    overdue = frame[frame["state"] == "overdue"].assign(kind=frame["rule"].map(RULES))
    columns = [
        "rule",
        "kind",
        "key",
        "org_id",
        "name",
        "product",
        "status",
        "reference",
        "reference_at",
        "request_id",
        "user_id",
        "due_at",
        "days_overdue",
        *HELD_TABLES,
        "rows_held",
        "excepted_until",  # an exception in force (a legal hold): not to be deleted yet
        "owner",  # who deals with it, as the DPO assigned it
    ]
    overdue = overdue.assign(key="org:" + overdue["org_id"].astype(str))
    both = pd.concat(
        [overdue, people] if people is not None and not people.empty else [overdue],
        ignore_index=True,
    )
    both = both.reindex(columns=columns).astype(object)
    rows = [[None if pd.isna(v) else v for v in row] for row in both.itertuples(index=False)]
    rows = [[v.to_pydatetime() if isinstance(v, pd.Timestamp) else v for v in row] for row in rows]
    return csv_bytes(columns, rows)
