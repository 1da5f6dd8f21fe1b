"""ACC-001: successful logins after the closure of the user's organisation."""

from __future__ import annotations

import pytest

CLOSED_AT = "2026-06-30T12:00:00Z"


def org(org_id: str, closed_at: str | None) -> dict[str, str | None]:
    status = "closed" if closed_at else "active"
    return {
        "org_id": org_id,
        "name": "Org",
        "product": "local_insight",
        "status": status,
        "created_at": "2025-01-01T00:00:00Z",
        "closed_at": closed_at,
    }


def user(user_id: str, org_id: str) -> dict[str, str]:
    return {
        "user_id": user_id,
        "org_id": org_id,
        "name": "Ann Lee",
        "email": f"{user_id}@example.org",
        "role": "user",
        "created_at": "2025-01-01T00:00:00Z",
    }


TABLES = {
    "organisations": [org("O1", CLOSED_AT), org("O2", None)],
    "users": [user("U1", "O1"), user("U2", "O2")],
}


@pytest.mark.parametrize(
    ("ts", "user_id", "success", "expected"),
    [
        ("2026-06-30T12:00:00Z", "U1", True, []),  # exactly at closure: not after it
        ("2026-06-30T12:00:01Z", "U1", True, ["login:L1"]),  # one second after
        ("2026-06-30T13:00:01+01:00", "U1", True, ["login:L1"]),  # same instant, other offset
        ("2026-06-30T13:00:00+01:00", "U1", True, []),
        ("2026-07-15T09:00:00Z", "U1", False, []),  # a failed attempt is not access
        ("2026-06-30T11:59:59Z", "U1", True, []),  # before closure
        ("2026-07-15T09:00:00Z", "U2", True, []),  # organisation never closed
        ("2026-07-15T09:00:00Z", "U9", True, []),  # user not held: no organisation known
    ],
)
def test_login_after_closure(run_rule, ts, user_id, success, expected):
    logins = [
        {"login_id": "L1", "ts": ts, "user_id": user_id, "success": success, "ip": "192.0.2.10"}
    ]
    findings = run_rule("ACC-001", {**TABLES, "logins": logins})
    assert [f.key for f in findings] == expected


def test_finding_names_user_organisation_and_times(run_rule):
    logins = [
        {
            "login_id": "L7",
            "ts": "2026-07-01T08:30:00Z",
            "user_id": "U1",
            "success": True,
            "ip": "192.0.2.10",
        }
    ]
    [finding] = run_rule("ACC-001", {**TABLES, "logins": logins})
    assert finding.rule == "ACC-001"
    assert finding.severity == "high"
    assert finding.due is None
    assert finding.evidence == {
        "user_id": "U1",
        "org_id": "O1",
        "ts": "2026-07-01T08:30:00Z",
        "closed_at": "2026-06-30T12:00:00Z",
    }
    assert "O1" in finding.message
    assert "U1" in finding.message


def test_times_keep_their_fraction_of_a_second(run_rule):
    """A login a millisecond after the closure must not read as at the same instant."""
    organisations = [org("O1", "2026-06-30T12:00:00Z")]
    logins = [
        {
            "login_id": "L1",
            "ts": "2026-06-30T12:00:00.001Z",
            "user_id": "U1",
            "success": True,
            "ip": "192.0.2.10",
        }
    ]
    tables = {**TABLES, "organisations": organisations, "logins": logins}
    [finding] = run_rule("ACC-001", tables)
    assert finding.evidence["ts"] == "2026-06-30T12:00:00.001Z"
    assert finding.evidence["closed_at"] == "2026-06-30T12:00:00Z"
    assert "on 2026-06-30T12:00:00.001Z, after" in finding.message


def test_one_finding_per_login(run_rule):
    logins = [
        {
            "login_id": f"L{i}",
            "ts": f"2026-07-0{i}T08:00:00Z",
            "user_id": "U1",
            "success": True,
            "ip": "192.0.2.10",
        }
        for i in (1, 2, 3)
    ]
    findings = run_rule("ACC-001", {**TABLES, "logins": logins})
    assert [f.key for f in findings] == ["login:L1", "login:L2", "login:L3"]
