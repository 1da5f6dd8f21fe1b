"""RET-001: user data of a closed account held longer than 28 days after closure."""

from __future__ import annotations

import pytest
from snapshot_rows import event, login, org, user

CLOSED = org("O1", "closed", closed_at="2026-09-01T10:00:00Z")  # due 2026-09-29T10:00:00Z
HELD = {"organisations": [CLOSED], "users": [user("U1")]}


@pytest.mark.parametrize(
    ("tables", "exported_at", "expected"),
    [
        (HELD, "2026-09-29T10:00:00Z", []),  # exactly at the due instant
        (HELD, "2026-09-29T10:00:01Z", ["org:O1"]),  # one second past
        (HELD, "2026-09-29T11:00:01+01:00", ["org:O1"]),  # same instant, another offset
        (HELD, "2026-09-15T00:00:00Z", []),  # within the 28 days
        # a soft-deleted user is still held
        (
            {"organisations": [CLOSED], "users": [user("U1", deleted_at="2026-09-01T10:00:00Z")]},
            "2026-10-01T00:00:00Z",
            ["org:O1"],
        ),
        ({"organisations": [CLOSED]}, "2026-10-01T00:00:00Z", []),  # no user data held
        # another organisation's users do not count
        (
            {"organisations": [CLOSED, org("O2")], "users": [user("U2", "O2")]},
            "2026-10-01T00:00:00Z",
            [],
        ),
        # the rule is about closed_at, whatever the status says
        (
            {
                "organisations": [org("O1", "active", closed_at="2026-09-01T10:00:00Z")],
                "users": [user("U1")],
            },
            "2026-10-01T00:00:00Z",
            ["org:O1"],
        ),
    ],
)
def test_closed_account_boundaries(run_rule, tables, exported_at, expected):
    findings = run_rule("RET-001", tables, exported_at=exported_at)
    assert [f.key for f in findings] == expected


def test_days_are_exact_24_hours_across_a_clock_change(run_rule):
    # 28 days after 10 Mar 12:00 UTC is 7 Apr 12:00 UTC (13:00 in London, BST).
    tables = {
        "organisations": [org("O1", "closed", closed_at="2026-03-10T12:00:00Z")],
        "users": [user("U1")],
    }
    assert run_rule("RET-001", tables, exported_at="2026-04-07T12:00:00Z") == []
    assert run_rule("RET-001", tables, exported_at="2026-04-07T12:00:01Z") != []


def test_finding_carries_due_message_and_rows_held(run_rule):
    tables = {
        **HELD,
        "logins": [login("L1", "U1"), login("L2", "U1")],
        "usage_events": [event("E1", "U1")],
    }
    [finding] = run_rule("RET-001", tables, exported_at="2026-11-28T02:00:00Z")
    assert (finding.rule, finding.severity) == ("RET-001", "high")
    assert finding.due == "2026-09-29T10:00:00Z"
    assert finding.evidence == {"users": 1, "logins": 2, "usage_events": 1}
    assert finding.message == (
        "Closed 2026-09-01; user data held 88 days after closure (due 2026-09-29)"
    )


@pytest.mark.parametrize(("days", "expected"), [(28, []), (7, ["org:O1"])])
def test_policy_sets_the_period(run_rule, days, expected):
    findings = run_rule(
        "RET-001",
        HELD,
        exported_at="2026-09-20T00:00:00Z",
        policy={"retention": {"closed_account_days": days}},
    )
    assert [f.key for f in findings] == expected


def test_due_keeps_the_fraction_of_a_second(run_rule):
    tables = {
        "organisations": [org("O1", "closed", closed_at="2028-03-06T23:29:59.999Z")],
        "users": [user("U1")],
    }
    [finding] = run_rule("RET-001", tables, exported_at="2028-04-03T23:30:00Z")
    assert finding.due == "2028-04-03T23:29:59.999Z"
    assert run_rule("RET-001", tables, exported_at="2028-04-03T23:29:59.999Z") == []


def test_a_year_before_1000_is_written_with_four_digits(run_rule):
    tables = {
        "organisations": [org("O1", "closed", closed_at="0999-05-05T10:00:00Z")],
        "users": [user("U1")],
    }
    [finding] = run_rule("RET-001", tables, exported_at="0999-07-01T00:00:00Z")
    assert finding.due == "0999-06-02T10:00:00Z"
    assert finding.message == (
        "Closed 0999-05-05; user data held 57 days after closure (due 0999-06-02)"
    )
