"""A small snapshot of people for the subject-access pack tests.

Two users with the same surname and neighbouring telephone numbers, a third
with a near-identical email, a deleted user whose rows were left behind
(orphans), requests made by email only (with case and spacing variants), a
failed login on no account, formula-like text, an extra column and a
credential column (which the loader never loads).
"""

from __future__ import annotations

from pathlib import Path

from insight_workbench.testing import build_snapshot

JANE, JOHN, SMYTH, GONE = "usr-jane", "usr-john", "usr-smyth", "usr-gone"
JANE_EMAIL = "Jane.Smith@Example.com"
INJECTIONS = {
    "user_agent": '=HYPERLINK("http://x")',
    "referrer": "@SUM(1+1)",
    "telephone": "+44 20 7946 0001",
    "nickname": "-2",
    "name": "\tJane Smith",
}
SECRET = "hash-never-exported"


def _user(uid: str, name: str, email: str, phone: str, org: str, role: str, **extra: str) -> dict:
    row = {
        "user_id": uid,
        "org_id": org,
        "name": name,
        "email": email,
        "telephone": phone,
        "role": role,
        "created_at": "2025-01-10T09:00:00Z",
    }
    return row | extra


def _login(lid: str, uid: str | None, ts: str, ok: bool, **extra: str) -> dict:
    return {"login_id": lid, "ts": ts, "user_id": uid, "success": ok, "ip": "192.0.2.7"} | extra


TABLES: dict[str, list[dict]] = {
    "organisations": [
        {
            "org_id": o,
            "name": f"Org {o}",
            "product": "local_insight",
            "status": "active",
            "created_at": "2024-01-01T00:00:00Z",
        }
        for o in ("O1", "O2")
    ],
    "users": [
        _user(
            JANE,
            INJECTIONS["name"],
            JANE_EMAIL,
            INJECTIONS["telephone"],
            "O1",
            "group_admin",
            nickname=INJECTIONS["nickname"],
            password_hash=SECRET,
        ),
        _user(
            JOHN,
            "John Smith",
            "john.smith@example.com",
            "+44 20 7946 0002",
            "O1",
            "user",
            nickname="Johnny",
            password_hash=SECRET,
        ),
        _user(SMYTH, "Jane Smyth", "jane.smith@example.org", "+44 20 7946 0003", "O2", "user"),
    ],
    "logins": [
        _login(
            "L1",
            JANE,
            "2026-06-01T10:15:00+01:00",
            True,
            user_agent=INJECTIONS["user_agent"],
            referrer=INJECTIONS["referrer"],
        ),
        _login("L2", JANE, "2026-06-02T08:00:00Z", False),
        _login("L3", JANE, "2026-06-03T08:00:00Z", True, user_agent="Mozilla/5.0"),
        _login("L4", JOHN, "2026-06-01T08:00:00Z", True),
        _login("L5", JOHN, "2026-06-04T08:00:00Z", True),
        _login("L6", GONE, "2026-05-01T08:00:00Z", True),
        _login("L7", None, "2026-06-05T08:00:00Z", False),
        _login("L8", SMYTH, "2026-06-05T09:00:00Z", True),
    ],
    "usage_events": [
        {
            "event_id": e,
            "ts": "2026-06-01T09:20:00Z",
            "user_id": u,
            "product": "local_insight",
            "event_type": t,
        }
        for e, u, t in (
            ("E1", JANE, "report_run"),
            ("E2", JANE, "-map_view"),
            ("E3", JOHN, "page_view"),
            ("E4", GONE, "download"),
        )
    ],
    "communications": [
        {"message_id": m, "user_id": u, "sent_at": "2026-06-10T12:00:00Z", "category": c}
        for m, u, c in (
            ("M1", JANE, "billing"),
            ("M2", JANE, "promotional"),
            ("M3", JOHN, "technical"),
            ("M4", GONE, "service_notice"),
        )
    ],
    "preferences": [
        {
            "user_id": u,
            "changed_at": "2026-04-01T00:00:00Z",
            "category": "promotional",
            "opted_out": True,
            "channel": "settings",
        }
        for u in (JANE, JOHN, GONE)
    ],
    "subject_requests": [
        {
            "request_id": r,
            "received_at": "2026-10-01T10:00:00Z",
            "requester_email": e,
            "user_id": u,
            "type": t,
            "status": "open",
            "extended": False,
        }
        for r, e, u, t in (
            ("R1", "jane.smith@example.com", JANE, "access"),
            ("R2", "  JANE.SMITH@example.COM ", None, "confirmation"),
            ("R3", "john.smith@example.com", JOHN, "access"),
            ("R4", "gone@example.com", GONE, "erasure"),
            ("R5", "stranger@example.net", None, "access"),
        )
    ],
    "admin_views": [
        {"view_id": v, "ts": "2026-07-01T10:00:00Z", "viewer_user_id": u, "org_id": "O1"}
        for v, u in (("V1", JANE), ("V2", JOHN), ("V3", GONE))
    ],
}

# What each person's pack must hold, row ids per table (written out by hand).
EXPECTED: dict[str, dict[str, int]] = {
    JANE: {
        "users": 1,
        "logins": 3,
        "usage_events": 2,
        "communications": 2,
        "preferences": 1,
        "subject_requests": 2,
        "admin_views": 1,
    },
    JOHN: {
        "users": 1,
        "logins": 2,
        "usage_events": 1,
        "communications": 1,
        "preferences": 1,
        "subject_requests": 1,
        "admin_views": 1,
    },
    SMYTH: {
        "users": 1,
        "logins": 1,
        "usage_events": 0,
        "communications": 0,
        "preferences": 0,
        "subject_requests": 0,
        "admin_views": 0,
    },
    GONE: {
        "users": 0,
        "logins": 1,
        "usage_events": 1,
        "communications": 1,
        "preferences": 1,
        "subject_requests": 1,
        "admin_views": 1,
    },
}


def build_people(folder: Path) -> Path:
    return build_snapshot(folder, TABLES, extra_columns={"users": ["nickname", "password_hash"]})
