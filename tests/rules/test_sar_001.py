"""SAR-001: subject requests still open after their due date (UK clock)."""

from __future__ import annotations

import pytest
from snapshot_rows import request


def late(run_rule, exported_at: str, received_at: str, **values) -> list[str]:
    tables = {
        "subject_requests": [request("R1", received_at, values.pop("status", "open"), **values)]
    }
    return [f.key for f in run_rule("SAR-001", tables, exported_at=exported_at)]


@pytest.mark.parametrize(
    ("received_at", "values", "exported_at", "expected"),
    [
        # 31 Jan + 1 month = 28 Feb 2026, a Saturday: due Monday 2 Mar
        ("2026-01-31T12:00:00Z", {}, "2026-03-02T23:59:59Z", []),
        ("2026-01-31T12:00:00Z", {}, "2026-03-03T00:00:00Z", ["request:R1"]),
        # 25 Apr + 1 month = Mon 25 May 2026, Spring Bank Holiday: due Tue 26 May;
        # as_of 23:00 UTC in summer is already the next London day
        ("2026-04-25T09:00:00Z", {}, "2026-05-26T22:59:59Z", []),
        ("2026-04-25T09:00:00Z", {}, "2026-05-26T23:00:00Z", ["request:R1"]),
        # received 23:30 UTC on 9 Jun is 10 Jun in London: due Fri 10 Jul, not Thu 9 Jul
        ("2026-06-09T23:30:00Z", {}, "2026-07-10T12:00:00Z", []),
        ("2026-06-09T23:30:00Z", {}, "2026-07-10T23:30:00Z", ["request:R1"]),
        # 25 Nov + 1 month = Christmas; Boxing Day, Sunday, Boxing Day (observed): Tue 29 Dec
        ("2026-11-25T10:00:00Z", {}, "2026-12-29T12:00:00Z", []),
        ("2026-11-25T10:00:00Z", {}, "2026-12-30T00:00:00Z", ["request:R1"]),
        # extended: 3 months, 31 Jan -> 30 Apr (Thursday)
        ("2026-01-31T12:00:00Z", {"extended": True}, "2026-04-30T22:59:59Z", []),
        ("2026-01-31T12:00:00Z", {"extended": True}, "2026-04-30T23:00:00Z", ["request:R1"]),
        # clock restarted when the ID arrived (10 Feb): due Tue 10 Mar, not 5 Feb
        (
            "2026-01-05T09:00:00Z",
            {"clock_started_at": "2026-02-10T09:00:00Z"},
            "2026-03-10T12:00:00Z",
            [],
        ),
        (
            "2026-01-05T09:00:00Z",
            {"clock_started_at": "2026-02-10T09:00:00Z"},
            "2026-03-11T00:00:01Z",
            ["request:R1"],
        ),
        # restarted and extended, clock started late on a summer evening (London next day)
        (
            "2026-05-01T09:00:00Z",
            {"clock_started_at": "2026-06-09T23:30:00Z", "extended": True},
            "2026-09-10T22:59:59Z",
            [],
        ),
        (
            "2026-05-01T09:00:00Z",
            {"clock_started_at": "2026-06-09T23:30:00Z", "extended": True},
            "2026-09-10T23:00:00Z",
            ["request:R1"],
        ),
        # only open requests
        ("2026-01-31T12:00:00Z", {"status": "withdrawn"}, "2026-11-28T02:00:00Z", []),
        ("2026-01-31T12:00:00Z", {"status": "refused"}, "2026-11-28T02:00:00Z", []),
        (
            "2026-01-31T12:00:00Z",
            {"status": "completed", "completed_at": "2026-06-01T00:00:00Z"},
            "2026-11-28T02:00:00Z",
            [],
        ),
    ],
)
def test_overdue_open_request(run_rule, received_at, values, exported_at, expected):
    assert late(run_rule, exported_at, received_at, **values) == expected


def test_policy_response_months(run_rule):
    tables = {"subject_requests": [request("R1", "2026-01-31T12:00:00Z")]}
    found = run_rule(
        "SAR-001",
        tables,
        exported_at="2026-03-03T00:00:00Z",
        policy={"subject_requests": {"response_months": 2}},
    )
    assert found == []


def test_finding_has_a_date_due_and_explains_the_clock(run_rule):
    tables = {
        "subject_requests": [
            request(
                "R1",
                "2026-01-05T09:00:00Z",
                type="erasure",
                clock_started_at="2026-02-10T09:00:00Z",
            )
        ]
    }
    [finding] = run_rule("SAR-001", tables, exported_at="2026-03-22T12:00:00Z")
    assert (finding.rule, finding.severity, finding.due) == ("SAR-001", "high", "2026-03-10")
    assert finding.message == (
        "Erasure request received 2026-01-05 (clock started 2026-02-10) "
        "still open 12 days after it was due (due 2026-03-10)"
    )
    assert finding.evidence == {
        "type": "erasure",
        "received_date": "2026-01-05",
        "clock_start_date": "2026-02-10",
        "extended": False,
        "due": "2026-03-10",
        "days_late": 12,
    }


@pytest.mark.parametrize(
    ("timezone", "expected"),
    [("Europe/London", []), ("UTC", ["request:R1"])],
)
def test_policy_time_zone_decides_the_received_date(run_rule, timezone, expected):
    # 23:30 UTC on 9 Jun: 10 Jun in London (due 10 Jul), 9 Jun in UTC (due 9 Jul)
    tables = {"subject_requests": [request("R1", "2026-06-09T23:30:00Z")]}
    found = run_rule(
        "SAR-001",
        tables,
        exported_at="2026-07-10T12:00:00Z",
        policy={"subject_requests": {"timezone": timezone}},
    )
    assert [f.key for f in found] == expected
