"""Retention (DPO): closed and potential-customer organisations with their due dates, the
rows still held, and the action list as a spreadsheet-safe CSV."""

from __future__ import annotations

import pandas as pd

from insight_workbench.csvsafe import csv_bytes
from insight_workbench.dashboard.session import Workbench
from insight_workbench.deadlines.retention_table import retention_status
from insight_workbench.loading.schema import PERSONAL_DATA_TABLES

HELD_TABLES = list(PERSONAL_DATA_TABLES)
STATES = ("overdue", "upcoming", "nothing held")
RULES = {"RET-001": "closed account", "RET-002": "potential customer"}


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


def held_long(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows still held per organisation and table, for a stacked chart."""
    held = frame[frame["rows_held"] > 0]
    long = held.melt(
        id_vars=["org_id", "name"], value_vars=HELD_TABLES, var_name="table", value_name="rows"
    )
    return long[long["rows"] > 0]


def action_csv(frame: pd.DataFrame) -> bytes:
    """The action list: organisations overdue for deletion, with what is still held."""
    overdue = frame[frame["state"] == "overdue"].assign(kind=frame["rule"].map(RULES))
    columns = [
        "rule",
        "kind",
        "org_id",
        "name",
        "product",
        "status",
        "reference",
        "reference_at",
        "due_at",
        "days_overdue",
        *HELD_TABLES,
        "rows_held",
    ]
    rows = [
        [None if pd.isna(v) else v for v in row] for row in overdue[columns].itertuples(index=False)
    ]
    rows = [[v.to_pydatetime() if isinstance(v, pd.Timestamp) else v for v in row] for row in rows]
    return csv_bytes(columns, rows)
