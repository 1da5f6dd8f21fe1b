"""RET-002: user data of demo/trial organisations held 3 calendar months after last contact."""

from __future__ import annotations

import pytest
from snapshot_rows import login, org, user


def tables(status: str, last_contact_at: str, users: bool = True) -> dict:
    return {
        "organisations": [org("O1", status, last_contact_at=last_contact_at)],
        "users": [user("U1")] if users else [],
    }


@pytest.mark.parametrize(
    ("status", "last_contact_at", "exported_at", "expected"),
    [
        ("trial", "2026-07-31T10:00:00Z", "2026-10-31T10:00:00Z", []),  # exactly at due
        ("trial", "2026-07-31T10:00:00Z", "2026-10-31T10:00:01Z", ["org:O1"]),
        ("demo", "2026-07-31T10:00:00Z", "2026-10-31T10:00:01Z", ["org:O1"]),
        # 30 Nov + 3 months = 28 Feb (no 30 Feb): clamped to the month's last day
        ("demo", "2026-11-30T10:00:00Z", "2027-02-28T10:00:00Z", []),
        ("demo", "2026-11-30T10:00:00Z", "2027-02-28T10:00:01Z", ["org:O1"]),
        # leap year: 30 Nov 2023 + 3 months = 29 Feb 2024
        ("trial", "2023-11-30T08:00:00Z", "2024-02-29T08:00:00Z", []),
        ("trial", "2023-11-30T08:00:00Z", "2024-02-29T08:00:01Z", ["org:O1"]),
        # customers are not potential customers
        ("active", "2026-01-01T00:00:00Z", "2026-11-28T02:00:00Z", []),
    ],
)
def test_potential_customer_boundaries(run_rule, status, last_contact_at, exported_at, expected):
    findings = run_rule("RET-002", tables(status, last_contact_at), exported_at=exported_at)
    assert [f.key for f in findings] == expected


def test_nothing_held_is_no_finding(run_rule):
    found = run_rule(
        "RET-002",
        tables("trial", "2026-01-01T00:00:00Z", users=False),
        exported_at="2026-11-28T02:00:00Z",
    )
    assert found == []


def test_soft_deleted_user_is_still_held(run_rule):
    data = tables("demo", "2026-01-01T00:00:00Z", users=False)
    data["users"] = [user("U1", deleted_at="2026-02-01T00:00:00Z")]
    data["logins"] = [login("L1", "U1")]
    [finding] = run_rule("RET-002", data, exported_at="2026-11-28T02:00:00Z")
    assert finding.evidence == {"users": 1, "logins": 1}


@pytest.mark.parametrize(
    ("months", "exported_at", "expected"),
    [
        (1, "2026-02-28T10:00:00Z", []),  # 31 Jan + 1 month = 28 Feb, exactly at due
        (1, "2026-02-28T10:00:01Z", ["org:O1"]),
        (3, "2026-02-28T10:00:01Z", []),
    ],
)
def test_policy_months_and_31_january(run_rule, months, exported_at, expected):
    findings = run_rule(
        "RET-002",
        tables("trial", "2026-01-31T10:00:00Z"),
        exported_at=exported_at,
        policy={"retention": {"potential_customer_months": months}},
    )
    assert [f.key for f in findings] == expected


def test_finding_carries_due_and_message(run_rule):
    [finding] = run_rule(
        "RET-002", tables("trial", "2026-06-30T09:30:00Z"), exported_at="2026-11-28T02:00:00Z"
    )
    assert (finding.severity, finding.due) == ("high", "2026-09-30T09:30:00Z")
    assert finding.message == (
        "Trial organisation last contacted 2026-06-30; user data held "
        "151 days after last contact (due 2026-09-30)"
    )
