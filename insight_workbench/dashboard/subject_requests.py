"""Subject requests (DPO): deadlines from the library's UK clock, and data packs."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from insight_workbench.dashboard.session import Workbench
from insight_workbench.subject_requests.pack import build_pack, pack_zip_bytes
from insight_workbench.subject_requests.request_table import request_deadlines

SHOWN = [
    "request_id",
    "type",
    "status",
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
    "moved_because",
    "completed_date",
]


def deadlines(wb: Workbench) -> pd.DataFrame:
    """Every request with the steps of its due date, soonest due first."""
    frame = request_deadlines(wb.snapshot, wb.policy, wb.as_of)
    for column in ("received_date", "clock_start_date", "period_end", "due_date", "completed_date"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    return frame[[c for c in SHOWN if c in frame.columns]]


def open_requests(frame: pd.DataFrame) -> pd.DataFrame:
    """Open requests not yet due, least time left first."""
    waiting = frame[(frame["status"] == "open") & frame["finding"].isna()]
    return waiting.sort_values("days_left", kind="stable")


def overdue_or_late(frame: pd.DataFrame) -> pd.DataFrame:
    """Open past their due date (SAR-001) or answered late (SAR-002), latest first."""
    return frame[frame["finding"].notna()].sort_values("days_late", ascending=False, kind="stable")


def people(frame: pd.DataFrame) -> list[str]:
    """User ids of the accounts that made requests: the usual people to build a pack for."""
    return sorted({str(u) for u in frame["user_id"].dropna()})


@dataclass(frozen=True)
class PackDownload:
    found: bool
    row_counts: dict[str, int]
    zip_bytes: bytes
    file_name: str


def pack(wb: Workbench, kind: str, value: str) -> PackDownload:
    """The subject-access pack of one person (by `email` or `user_id`), zipped."""
    if kind == "email":
        built = build_pack(wb.snapshot, email=value)
    else:
        built = build_pack(wb.snapshot, user_id=value)
    stamp = built.generated_at.strftime("%Y%m%dT%H%M%SZ")
    return PackDownload(
        built.found,
        built.row_counts,
        pack_zip_bytes(built),
        f"subject-access-pack-{wb.snapshot_id}-{stamp}.zip",
    )
