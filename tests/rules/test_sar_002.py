"""SAR-002: subject requests answered after their due date."""

from __future__ import annotations

import pytest
from snapshot_rows import request


@pytest.mark.parametrize(
    ("received_at", "values", "completed_at", "expected"),
    [
        # due Mon 2 Mar 2026 (28 Feb is a Saturday); GMT: London date = UTC date
        ("2026-01-31T12:00:00Z", {}, "2026-03-02T23:59:59Z", []),
        ("2026-01-31T12:00:00Z", {}, "2026-03-03T00:00:00Z", ["request:R1"]),
        # due Tue 26 May 2026 (25 May is a bank holiday); BST: 23:00 UTC is the next day
        ("2026-04-25T09:00:00Z", {}, "2026-05-26T22:59:59Z", []),
        ("2026-04-25T09:00:00Z", {}, "2026-05-26T23:00:00Z", ["request:R1"]),
        ("2026-04-25T09:00:00Z", {}, "2026-05-27T00:30:00+01:00", ["request:R1"]),
        # extended: due 30 Apr 2026
        ("2026-01-31T12:00:00Z", {"extended": True}, "2026-04-30T12:00:00Z", []),
        ("2026-01-31T12:00:00Z", {"extended": True}, "2026-05-01T09:00:00Z", ["request:R1"]),
        # clock restarted on 10 Feb: due 10 Mar
        (
            "2026-01-05T09:00:00Z",
            {"clock_started_at": "2026-02-10T09:00:00Z"},
            "2026-03-10T17:00:00Z",
            [],
        ),
        (
            "2026-01-05T09:00:00Z",
            {"clock_started_at": "2026-02-10T09:00:00Z"},
            "2026-03-11T09:00:00Z",
            ["request:R1"],
        ),
    ],
)
def test_answered_late(run_rule, received_at, values, completed_at, expected):
    tables = {
        "subject_requests": [
            request("R1", received_at, "completed", completed_at=completed_at, **values)
        ]
    }
    findings = run_rule("SAR-002", tables, exported_at="2026-11-28T02:00:00Z")
    assert [f.key for f in findings] == expected


def test_open_requests_are_sar_001_not_sar_002(run_rule):
    tables = {"subject_requests": [request("R1", "2026-01-31T12:00:00Z")]}
    assert run_rule("SAR-002", tables, exported_at="2026-11-28T02:00:00Z") == []


def test_finding_carries_date_due_and_days_late(run_rule):
    tables = {
        "subject_requests": [
            request(
                "R7",
                "2026-01-31T12:00:00Z",
                "completed",
                type="access",
                completed_at="2026-03-06T10:00:00Z",
            )
        ]
    }
    [finding] = run_rule("SAR-002", tables, exported_at="2026-11-28T02:00:00Z")
    assert (finding.severity, finding.due) == ("medium", "2026-03-02")
    assert finding.evidence["days_late"] == 4
    assert finding.evidence["completed_date"] == "2026-03-06"
    assert finding.message == (
        "Access request received 2026-01-31 answered 2026-03-06, 4 days late (due 2026-03-02)"
    )


def answered(
    run_rule, received_at: str, completed_at: str, asked: str, arrived: str | None
) -> list[str]:
    values = {"clarification_requested_at": asked}
    if arrived is not None:
        values["clarification_received_at"] = arrived
    tables = {
        "subject_requests": [
            request("R1", received_at, "completed", completed_at=completed_at, **values)
        ]
    }
    return [f.key for f in run_rule("SAR-002", tables, exported_at="2026-11-28T02:00:00Z")]


@pytest.mark.parametrize(
    ("received_at", "completed_at", "asked", "arrived", "expected"),
    [
        # the spec's example: due Fri 10 Oct 2025 (BST)
        (
            "2025-09-03T09:00:00Z",
            "2025-10-10T22:59:59Z",
            "2025-09-10T09:00:00Z",
            "2025-09-17T15:00:00Z",
            [],
        ),
        (
            "2025-09-03T09:00:00Z",
            "2025-10-10T23:00:00Z",
            "2025-09-10T09:00:00Z",
            "2025-09-17T15:00:00Z",
            ["request:R1"],
        ),
        # without the pause due Mon 2 Mar: 3 days stopped -> Tue 3 Mar, answered in time
        (
            "2026-01-31T12:00:00Z",
            "2026-03-03T17:00:00Z",
            "2026-02-10T09:00:00Z",
            "2026-02-13T09:00:00Z",
            [],
        ),
        # never clarified: the clock stood still until the answer (due Thu 5 Feb unpaused)
        ("2026-01-05T09:00:00Z", "2026-03-20T12:00:00Z", "2026-01-20T09:00:00Z", None, []),
        # ... but asked only after the time had run out: 10 Feb -> 20 Mar = 38 days,
        # 5 Feb + 38 = Sun 15 Mar -> Mon 16 Mar; answered 20 Mar, 4 days late
        (
            "2026-01-05T09:00:00Z",
            "2026-03-20T12:00:00Z",
            "2026-02-10T09:00:00Z",
            None,
            ["request:R1"],
        ),
        # a reply dated after the answer still counts, as the rule's formula says:
        # 10 Feb -> 1 Apr = 50 days, 5 Feb + 50 = Fri 27 Mar; answered 20 Mar in time
        (
            "2026-01-05T09:00:00Z",
            "2026-03-20T12:00:00Z",
            "2026-02-10T09:00:00Z",
            "2026-04-01T09:00:00Z",
            [],
        ),
        # ... and one dated after the export too (judged whatever as_of is)
        (
            "2026-01-05T09:00:00Z",
            "2026-03-20T12:00:00Z",
            "2026-02-10T09:00:00Z",
            "2026-11-30T09:00:00Z",
            [],
        ),
    ],
)
def test_clarification_moves_the_due_date(
    run_rule, received_at, completed_at, asked, arrived, expected
):
    assert answered(run_rule, received_at, completed_at, asked, arrived) == expected


@pytest.mark.parametrize(
    "as_of",
    ["2026-02-05T00:00:00Z", "2026-02-19T00:00:00Z", "2026-02-21T00:00:00Z", None],
)
def test_a_closed_request_is_judged_on_its_own_dates_whatever_the_as_of(run_rule, as_of):
    # received Mon 2 Feb, paused 10 -> 20 Feb: due 2 Mar + 10 days = Thu 12 Mar;
    # answered 13 Mar, whether as_of is before the clarification, during it or after
    values = {
        "clarification_requested_at": "2026-02-10T10:00:00Z",
        "clarification_received_at": "2026-02-20T10:00:00Z",
    }
    tables = {
        "subject_requests": [
            request(
                "R1",
                "2026-02-02T10:00:00Z",
                "completed",
                completed_at="2026-03-13T10:00:00Z",
                **values,
            )
        ]
    }
    [finding] = run_rule("SAR-002", tables, exported_at="2026-06-01T00:00:00Z", as_of=as_of)
    assert (finding.key, finding.due) == ("request:R1", "2026-03-12")
    assert finding.evidence["paused_days"] == 10


def test_never_clarified_finding_counts_from_the_stopped_clock(run_rule):
    values = {"clarification_requested_at": "2026-02-10T09:00:00Z"}
    tables = {
        "subject_requests": [
            request(
                "R1",
                "2026-01-05T09:00:00Z",
                "completed",
                completed_at="2026-03-20T12:00:00Z",
                **values,
            )
        ]
    }
    [finding] = run_rule("SAR-002", tables, exported_at="2026-11-28T02:00:00Z")
    assert finding.due == "2026-03-16"
    assert finding.evidence["days_late"] == 4
    assert finding.evidence["clock_resumed_date"] == "2026-03-20"
    assert finding.evidence["paused_days"] == 38
