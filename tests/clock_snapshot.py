"""A small snapshot with one finding or schedule item of each retention, request,
communications and third-party kind (shared by the check, schedule, retention and
request tests). Exported 2026-11-28T02:00:00Z."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from insight_workbench.testing import build_snapshot

EXPORTED_AT = "2026-11-28T02:00:00Z"
CREATED = "2025-01-01T00:00:00Z"

EXPECTED_FINDINGS = [
    ("COM-001", "message:M1"),
    ("RET-001", "org:O1"),
    ("RET-002", "org:O3"),
    ("RET-003", "request:R4"),
    ("RET-004", "user:U9"),
    ("SAR-001", "request:R1"),
    ("SAR-002", "request:R3"),
    ("TPP-001", "processor:P1"),
    ("TPP-001", "processor:P3"),
    ("TPP-002", "processor:P1"),
]

EXPECTED_SCHEDULE = [  # (kind, key, due), soonest first
    ("retention", "org:O2", "2026-12-08T09:00:00Z"),
    ("subject_request", "request:R2", "2026-12-21"),  # 20 Dec is a Sunday
    ("subject_request", "request:R10", "2026-12-29"),  # Christmas and Boxing Day
    ("processor_review", "processor:P2", "2027-01-05"),
    ("retention", "org:O4", "2027-01-15T12:00:00Z"),
]


def _org(org_id: str, status: str, **values: Any) -> dict[str, Any]:
    return {
        "org_id": org_id,
        "name": f"Org {org_id}",
        "product": "value_insight",
        "status": status,
        "created_at": CREATED,
        **values,
    }


def _user(user_id: str, org_id: str) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "org_id": org_id,
        "name": "Sam Roe",
        "email": f"{user_id.lower()}@example.org",
        "role": "user",
        "created_at": CREATED,
    }


def _request(request_id: str, received_at: str, status: str, **values: Any) -> dict[str, Any]:
    return {
        "request_id": request_id,
        "received_at": received_at,
        "requester_email": "someone@example.org",
        "type": values.pop("type", "access"),
        "status": status,
        "extended": False,
        **values,
    }


def _processor(processor_id: str, **values: Any) -> dict[str, Any]:
    return {
        "processor_id": processor_id,
        "name": f"Supplier {processor_id}",
        "service": "hosting",
        "data_categories": "name;email",
        "contract_start": "2025-01-01",
        **values,
    }


TABLES = {
    "organisations": [
        _org("O1", "closed", closed_at="2026-09-01T10:00:00Z"),  # due 29 Sep: RET-001
        _org("O2", "closed", closed_at="2026-11-10T09:00:00Z"),  # due 8 Dec: schedule
        _org("O3", "trial", last_contact_at="2026-07-31T10:00:00Z"),  # due 31 Oct: RET-002
        _org("O4", "demo", last_contact_at="2026-10-15T12:00:00Z"),  # due 15 Jan: schedule
        _org("O5", "active"),
    ],
    "users": [_user(f"U{n}", f"O{n}") for n in range(1, 6)],
    "logins": [
        {
            "login_id": "L1",
            "ts": "2026-08-01T09:00:00Z",
            "user_id": "U1",
            "success": True,
            "ip": "192.0.2.1",
        },
        {
            "login_id": "L2",
            "ts": "2026-08-01T09:00:00Z",
            "user_id": "U9",
            "success": True,
            "ip": "192.0.2.2",
        },  # no users row: RET-004
    ],
    "communications": [
        {
            "message_id": "M1",
            "user_id": "U5",
            "sent_at": "2026-05-01T09:00:00Z",
            "category": "promotional",
        },
    ],
    "preferences": [
        {
            "user_id": "U5",
            "changed_at": "2026-04-01T09:00:00Z",
            "category": "promotional",
            "opted_out": True,
            "channel": "settings",
        },
    ],
    "subject_requests": [
        _request("R1", "2026-10-20T09:00:00Z", "open"),  # due 20 Nov: SAR-001
        _request("R2", "2026-11-20T10:00:00Z", "open"),  # due 21 Dec
        _request("R10", "2026-11-25T10:00:00Z", "open", type="erasure"),  # due 29 Dec
        _request(
            "R3", "2026-01-31T12:00:00Z", "completed", completed_at="2026-03-03T10:00:00Z"
        ),  # due 2 Mar: SAR-002
        _request(
            "R4",
            "2026-09-25T09:00:00Z",
            "completed",
            type="erasure",
            user_id="U5",
            completed_at="2026-10-02T15:00:00Z",
        ),  # U5 still held: RET-003
    ],
    "processors": [
        _processor("P1", assessment_date="2025-02-01"),  # TPP-001, review due 1 Feb: TPP-002
        _processor("P2", assessment_date="2024-12-01", last_review_date="2026-01-05"),
        _processor("P3"),  # neither date: TPP-001 only
    ],
}


def build_clock_snapshot(folder: Path, fmt: str = "csv") -> Path:
    return build_snapshot(folder, TABLES, exported_at=EXPORTED_AT, fmt=fmt)
