"""Subject requests (DPO): deadlines from the library's UK clock, and data packs."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from insight_workbench.dashboard.session import Workbench
from insight_workbench.dashboard.tables import file_name_part
from insight_workbench.subject_requests.pack import build_pack, pack_zip_bytes
from insight_workbench.subject_requests.request_table import request_deadlines

SHOWN = [
    "request_id",
    "type",
    "status",
    "paused",
    "due_date",
    "days_left",
    "days_late",
    "finding",
    "user_id",
    "received_date",
    "clock_start_date",
    "extended",
    "period_months",
    "nominal_date",
    "period_end",
    "clarification_requested_date",
    "clock_resumed_date",
    "paused_days",
    "clock_end",
    "moved_because",
    "completed_date",
]
# A paused request has no due date yet: only what says how long it has been waiting.
PAUSED_SHOWN = [
    "request_id",
    "type",
    "user_id",
    "received_date",
    "clock_start_date",
    "clarification_requested_date",
    "extended",
]
DATES = (
    "received_date",
    "clock_start_date",
    "period_end",
    "clarification_requested_date",
    "clock_resumed_date",
    "clock_end",
    "due_date",
    "completed_date",
)


def deadlines(wb: Workbench) -> pd.DataFrame:
    """Every request with the steps of its due date, soonest due first."""
    frame = request_deadlines(wb.snapshot, wb.policy, wb.as_of)
    for column in DATES:
        frame[column] = pd.to_datetime(frame[column]).dt.date
    return frame[[c for c in SHOWN if c in frame.columns]]


def open_requests(frame: pd.DataFrame) -> pd.DataFrame:
    """Open requests not yet due, least time left first (paused ones are listed apart)."""
    waiting = frame[(frame["status"] == "open") & frame["finding"].isna() & ~frame["paused"]]
    return waiting.sort_values("days_left", kind="stable")


def paused_requests(frame: pd.DataFrame) -> pd.DataFrame:
    """Open requests whose clock is stopped: a clarification was asked for and has not
    arrived. They have no due date until it does; longest waiting first."""
    paused = frame[frame["paused"]].sort_values(
        ["clarification_requested_date", "request_id"], kind="stable"
    )
    return paused[[c for c in PAUSED_SHOWN if c in paused.columns]]


def overdue_or_late(frame: pd.DataFrame) -> pd.DataFrame:
    """Open past their due date (SAR-001) first, still to be answered, then those answered
    late (SAR-002); each latest first."""
    late = frame[frame["finding"].notna()]
    return late.sort_values(["finding", "days_late"], ascending=[True, False], kind="stable")


def people(frame: pd.DataFrame) -> list[str]:
    """User ids of the accounts that made requests: the usual people to build a pack for."""
    return sorted({str(u) for u in frame["user_id"].dropna()})


@dataclass(frozen=True)
class PackDownload:
    found: bool
    row_counts: dict[str, int]
    zip_bytes: bytes
    file_name: str
    keys: tuple[str, ...]  # `user:<id>` of the person, for the audit trail; no identifier
    datasets_naming: int = 0  # de-identified datasets that still name the person
    name_not_looked_for: bool = False  # their name is one word: not searched for
    unread_rows: int = 0  # rows quarantined at load: in no pack, perhaps the person's


def pack(wb: Workbench, kind: str, value: str) -> PackDownload:
    """The subject-access pack of one person (by `email` or `user_id`), zipped. A user
    id is looked for as typed (ids are kept as written, `U1 ` is not `U1`), then, when
    nothing is held under it, without the spaces around it (a pasted id)."""
    if kind == "email":
        built = build_pack(wb.snapshot, email=value)
    else:
        built = build_pack(wb.snapshot, user_id=value)
        if not built.in_tables and value.strip() and value.strip() != value:
            built = build_pack(wb.snapshot, user_id=value.strip())
    stamp = built.generated_at.strftime("%Y%m%dT%H%M%SZ")
    return PackDownload(
        built.found,
        built.row_counts,
        pack_zip_bytes(built),
        f"subject-access-pack-{file_name_part(wb.snapshot_id)}-{stamp}.zip",
        tuple(f"user:{user_id}" for user_id in built.user_ids),
        len(built.named_in_datasets),
        built.name_not_looked_for,
        sum(built.quarantined.values()) if built.unread_may_be_theirs else 0,
    )
