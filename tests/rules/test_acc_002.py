"""ACC-002: successful logins after the user's account was deleted."""

from __future__ import annotations

import pytest

DELETED_AT = "2026-05-01T00:00:00Z"


def user(user_id: str, deleted_at: str | None) -> dict[str, str | None]:
    return {
        "user_id": user_id,
        "org_id": "O1",
        "name": "Ann Lee",
        "email": f"{user_id}@example.org",
        "role": "user",
        "created_at": "2025-01-01T00:00:00Z",
        "deleted_at": deleted_at,
    }


TABLES = {
    "organisations": [
        {
            "org_id": "O1",
            "name": "Org",
            "product": "value_insight",
            "status": "active",
            "created_at": "2025-01-01T00:00:00Z",
        }
    ],
    "users": [user("U1", DELETED_AT), user("U2", None)],
}


@pytest.mark.parametrize(
    ("ts", "user_id", "success", "expected"),
    [
        ("2026-05-01T00:00:00Z", "U1", True, []),  # exactly at deletion
        ("2026-05-01T00:00:01Z", "U1", True, ["login:L1"]),  # one second after
        ("2026-05-01T01:00:01+01:00", "U1", True, ["login:L1"]),
        ("2026-04-30T23:59:59Z", "U1", True, []),
        ("2026-06-01T00:00:00Z", "U1", False, []),  # failed attempt
        ("2026-06-01T00:00:00Z", "U2", True, []),  # not deleted
    ],
)
def test_login_after_deletion(run_rule, ts, user_id, success, expected):
    logins = [
        {"login_id": "L1", "ts": ts, "user_id": user_id, "success": success, "ip": "2001:db8::5"}
    ]
    findings = run_rule("ACC-002", {**TABLES, "logins": logins})
    assert [f.key for f in findings] == expected


def test_finding_evidence(run_rule):
    logins = [
        {
            "login_id": "L2",
            "ts": "2026-05-02T10:00:00Z",
            "user_id": "U1",
            "success": True,
            "ip": "2001:db8::5",
        }
    ]
    [finding] = run_rule("ACC-002", {**TABLES, "logins": logins})
    assert (finding.rule, finding.severity, finding.due) == ("ACC-002", "high", None)
    assert finding.evidence == {
        "user_id": "U1",
        "org_id": "O1",
        "ts": "2026-05-02T10:00:00Z",
        "deleted_at": "2026-05-01T00:00:00Z",
    }
