"""RET-003: an erasure request completed while the person's data is still held."""

from __future__ import annotations

import pytest
from snapshot_rows import event, login, org, request, user

EXPORTED = "2026-11-28T02:00:00Z"


def erasure(completed_at: str = "2026-10-02T15:00:00Z", **values) -> dict:
    values = {"type": "erasure", "user_id": "U1", "completed_at": completed_at, **values}
    return request("R1", "2026-09-20T09:00:00Z", values.pop("status", "completed"), **values)


BASE = {"organisations": [org("O1")]}


@pytest.mark.parametrize(
    ("tables", "expected"),
    [
        ({**BASE, "users": [user("U1")], "subject_requests": [erasure()]}, ["request:R1"]),
        # soft-deleted user row: still held
        (
            {
                **BASE,
                "users": [user("U1", deleted_at="2026-10-02T15:00:00Z")],
                "subject_requests": [erasure()],
            },
            ["request:R1"],
        ),
        # user row gone but usage left behind: still held
        (
            {**BASE, "usage_events": [event("E1", "U1")], "subject_requests": [erasure()]},
            ["request:R1"],
        ),
        ({**BASE, "subject_requests": [erasure()]}, []),  # fully erased
        ({**BASE, "users": [user("U1")], "subject_requests": [erasure(type="access")]}, []),
        (
            {
                **BASE,
                "users": [user("U1")],
                "subject_requests": [erasure(completed_at=None, status="open")],
            },
            [],
        ),
        ({**BASE, "users": [user("U1")], "subject_requests": [erasure(user_id=None)]}, []),
        # completed exactly at the export: not before it
        ({**BASE, "users": [user("U1")], "subject_requests": [erasure(completed_at=EXPORTED)]}, []),
        (
            {
                **BASE,
                "users": [user("U1")],
                "subject_requests": [erasure(completed_at="2026-11-28T02:00:00Z")],
            },
            [],
        ),
        (
            {
                **BASE,
                "users": [user("U1")],
                "subject_requests": [erasure(completed_at="2026-11-28T01:59:59Z")],
            },
            ["request:R1"],
        ),
    ],
)
def test_erasure_not_done(run_rule, tables, expected):
    findings = run_rule("RET-003", tables, exported_at=EXPORTED)
    assert [f.key for f in findings] == expected


def test_judged_against_the_export_not_as_of(run_rule):
    # completed after as_of would normally be unknown, but RET-003 compares with exported_at
    tables = {**BASE, "users": [user("U1")], "subject_requests": [erasure()]}
    assert [f.key for f in run_rule("RET-003", tables, exported_at=EXPORTED)] == ["request:R1"]


def test_finding_carries_due_and_rows(run_rule):
    tables = {
        **BASE,
        "users": [user("U1")],
        "logins": [login("L1", "U1")],
        "subject_requests": [erasure()],
    }
    [finding] = run_rule("RET-003", tables, exported_at=EXPORTED)
    assert (finding.severity, finding.due) == ("high", "2026-10-02T15:00:00Z")
    assert finding.evidence == {"users": 1, "logins": 1}
    assert (
        finding.message == "Erasure completed 2026-10-02 but data of user U1 is still held (2 rows)"
    )


@pytest.mark.parametrize(
    ("completed_at", "due"),
    [
        ("2026-10-02T15:00:00.250Z", "2026-10-02T15:00:00.25Z"),
        ("2026-10-02T15:00:00.000001Z", "2026-10-02T15:00:00.000001Z"),
        ("2026-10-02T15:00:00.000Z", "2026-10-02T15:00:00Z"),  # whole seconds: no fraction
    ],
)
def test_due_keeps_the_instant_full_precision(run_rule, completed_at, due):
    tables = {**BASE, "users": [user("U1")], "subject_requests": [erasure(completed_at)]}
    [finding] = run_rule("RET-003", tables, exported_at=EXPORTED)
    assert finding.due == due
