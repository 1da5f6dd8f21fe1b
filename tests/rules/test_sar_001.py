"""SAR-001: subject requests still open after their due date (UK clock)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from snapshot_rows import request

from insight_workbench.loading.snapshot import Snapshot, load_snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules import REGISTRY, run_rules
from insight_workbench.testing import build_snapshot
from insight_workbench.timeutil import parse_timestamp

Judge = Callable[..., list[str]]


def late(run_rule, exported_at: str, received_at: str, **values) -> list[str]:
    tables = {
        "subject_requests": [request("R1", received_at, values.pop("status", "open"), **values)]
    }
    return [f.key for f in run_rule("SAR-001", tables, exported_at=exported_at)]


@pytest.fixture(scope="module")
def judge_at(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Judge]:
    """`judge_at(as_of, received_at, **values)`: SAR-001's keys for the one request, at
    `as_of`. The rule reads the moment it judges at, never the export time: the cases
    that differ only there share the snapshot of their request (as `check --as-of`)."""
    folder = tmp_path_factory.mktemp("sar-001")
    loaded: dict[str, Snapshot] = {}
    policy = load_policy()

    def judge(as_of: str, received_at: str, **values) -> list[str]:
        row = request("R1", received_at, values.pop("status", "open"), **values)
        name = json.dumps(row, sort_keys=True)
        if name not in loaded:
            built = build_snapshot(folder / f"s{len(loaded)}", {"subject_requests": [row]})
            loaded[name] = load_snapshot(built)
        rule = [REGISTRY["SAR-001"]]
        return [f.key for f in run_rules(loaded[name], policy, parse_timestamp(as_of), rule)]

    yield judge
    for snapshot in loaded.values():
        snapshot.con.close()


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
def test_overdue_open_request(judge_at, received_at, values, exported_at, expected):
    assert judge_at(exported_at, received_at, **values) == expected


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


def clarified(asked: str | None, arrived: str | None = None, **values) -> dict:
    """Clarification columns for a request (only those given: absent ones stay absent)."""
    columns = {"clarification_requested_at": asked, "clarification_received_at": arrived}
    return {**{k: v for k, v in columns.items() if v is not None}, **values}


@pytest.mark.parametrize(
    ("received_at", "values", "exported_at", "expected"),
    [
        # the spec's example: 3 Sep + 1 month = 3 Oct 2025, paused 10-17 Sep (P = 7): Fri 10 Oct
        (
            "2025-09-03T09:00:00Z",
            clarified("2025-09-10T09:00:00Z", "2025-09-17T15:00:00Z"),
            "2025-10-10T22:59:59Z",
            [],
        ),
        (
            "2025-09-03T09:00:00Z",
            clarified("2025-09-10T09:00:00Z", "2025-09-17T15:00:00Z"),
            "2025-10-10T23:00:00Z",
            ["request:R1"],
        ),
        # asked 23:30 UTC on 9 Sep: 10 Sep in London, so still P = 7
        (
            "2025-09-03T09:00:00Z",
            clarified("2025-09-09T23:30:00Z", "2025-09-17T15:00:00Z"),
            "2025-10-10T22:59:59Z",
            [],
        ),
        # asked before the clock started (ID arrived 20 Jan): P counts from the start,
        # 20 -> 25 Jan = 5 days; 20 Feb + 5 = Wed 25 Feb
        (
            "2026-01-05T09:00:00Z",
            clarified(
                "2026-01-10T09:00:00Z",
                "2026-01-25T09:00:00Z",
                clock_started_at=("2026-01-20T09:00:00Z"),
            ),
            "2026-02-25T23:59:59Z",
            [],
        ),
        (
            "2026-01-05T09:00:00Z",
            clarified(
                "2026-01-10T09:00:00Z",
                "2026-01-25T09:00:00Z",
                clock_started_at=("2026-01-20T09:00:00Z"),
            ),
            "2026-02-26T00:00:00Z",
            ["request:R1"],
        ),
        # the whole clarification before the clock started: P would be negative, so 0
        (
            "2026-01-05T09:00:00Z",
            clarified(
                "2026-01-06T09:00:00Z",
                "2026-01-08T09:00:00Z",
                clock_started_at=("2026-01-20T09:00:00Z"),
            ),
            "2026-02-21T00:00:00Z",
            ["request:R1"],
        ),
        # a pause across a month end: 28 Jan -> 3 Feb = 6 days; 12 Feb + 6 = Wed 18 Feb
        (
            "2026-01-12T09:00:00Z",
            clarified("2026-01-28T16:00:00Z", "2026-02-03T10:00:00Z"),
            "2026-02-18T23:59:59Z",
            [],
        ),
        (
            "2026-01-12T09:00:00Z",
            clarified("2026-01-28T16:00:00Z", "2026-02-03T10:00:00Z"),
            "2026-02-19T00:00:00Z",
            ["request:R1"],
        ),
        # the pause lands on the Early May bank holiday: 1 May + 3 = Mon 4 May -> Tue 5 May
        (
            "2026-04-01T09:00:00Z",
            clarified("2026-04-10T09:00:00Z", "2026-04-13T09:00:00Z"),
            "2026-05-05T22:59:59Z",
            [],
        ),
        (
            "2026-04-01T09:00:00Z",
            clarified("2026-04-10T09:00:00Z", "2026-04-13T09:00:00Z"),
            "2026-05-05T23:00:00Z",
            ["request:R1"],
        ),
        # asked and answered the same day: no pause, due Thu 5 Feb as usual
        (
            "2026-01-05T09:00:00Z",
            clarified("2026-01-10T09:00:00Z", "2026-01-10T17:00:00Z"),
            "2026-02-06T00:00:00Z",
            ["request:R1"],
        ),
        # still waiting at as_of: paused, never overdue (due 5 Feb without the pause)
        ("2026-01-05T09:00:00Z", clarified("2026-01-10T09:00:00Z"), "2026-11-28T02:00:00Z", []),
        # the clarification arrives after as_of: at as_of the request is still paused
        (
            "2026-01-05T09:00:00Z",
            clarified("2026-01-10T09:00:00Z", "2026-11-28T02:00:01Z"),
            "2026-11-28T02:00:00Z",
            [],
        ),
        # asked after the deadline passed (due Thu 5 Feb): paused while waiting; once the
        # reply is in (exactly at as_of), 5 Feb + 3 days = Sun 8 Feb -> Mon 9 Feb, overdue
        (
            "2026-01-05T09:00:00Z",
            clarified("2026-02-20T09:00:00Z", "2026-02-23T10:00:00Z"),
            "2026-02-23T09:59:59Z",
            [],
        ),
        (
            "2026-01-05T09:00:00Z",
            clarified("2026-02-20T09:00:00Z", "2026-02-23T10:00:00Z"),
            "2026-02-23T10:00:00Z",
            ["request:R1"],
        ),
        # asked for only after as_of (due Thu 5 Feb): at as_of the clock had not stopped
        (
            "2026-01-05T09:00:00Z",
            clarified("2026-02-20T09:00:00Z"),
            "2026-02-05T23:59:59Z",
            [],
        ),
        (
            "2026-01-05T09:00:00Z",
            clarified("2026-02-20T09:00:00Z", "2026-02-23T10:00:00Z"),
            "2026-02-06T00:00:00Z",
            ["request:R1"],
        ),
        (
            "2026-01-05T09:00:00Z",
            clarified("2026-02-20T09:00:00Z"),
            "2026-02-20T08:59:59Z",
            ["request:R1"],
        ),
        # a reopened request (its earlier answer kept) asked for a clarification only after
        # as_of, answered a year on: at as_of its clock ran, due Thu 5 Feb 2026
        (
            "2026-01-05T09:00:00Z",
            clarified(
                "2026-02-20T09:00:00Z",
                "2027-02-20T09:00:00Z",
                completed_at="2027-03-01T09:00:00Z",
            ),
            "2026-02-06T00:00:00Z",
            ["request:R1"],
        ),
        # asked exactly at as_of: stopped from then
        ("2026-01-05T09:00:00Z", clarified("2026-02-20T09:00:00Z"), "2026-02-20T09:00:00Z", []),
        # a clarification received without one asked for stops nothing
        (
            "2026-01-05T09:00:00Z",
            clarified(None, "2026-01-10T09:00:00Z"),
            "2026-02-06T00:00:00Z",
            ["request:R1"],
        ),
    ],
)
def test_clarification_stops_the_clock(judge_at, received_at, values, exported_at, expected):
    assert judge_at(exported_at, received_at, **values) == expected


def test_received_before_requested_is_quarantined_not_judged(run_rule):
    values = clarified("2026-01-10T09:00:00Z", "2026-01-09T09:00:00Z")
    assert late(run_rule, "2026-11-28T02:00:00Z", "2026-01-05T09:00:00Z", **values) == []
    tables = {"subject_requests": [request("R1", "2026-01-05T09:00:00Z", **values)]}
    [reject] = run_rule("DQ-001", tables, exported_at="2026-11-28T02:00:00Z")
    assert reject.key == "row:subject_requests:1"


def test_finding_explains_the_pause(run_rule):
    values = clarified("2025-09-10T09:00:00Z", "2025-09-17T15:00:00Z", type="erasure")
    tables = {"subject_requests": [request("R1", "2025-09-03T09:00:00Z", **values)]}
    [finding] = run_rule("SAR-001", tables, exported_at="2025-10-14T12:00:00Z")
    assert finding.due == "2025-10-10"
    assert finding.message == (
        "Erasure request received 2025-09-03 (clock stopped 7 days for clarification) "
        "still open 4 days after it was due (due 2025-10-10)"
    )
    assert finding.evidence == {
        "type": "erasure",
        "received_date": "2025-09-03",
        "clock_start_date": "2025-09-03",
        "extended": False,
        "due": "2025-10-10",
        "days_late": 4,
        "clarification_requested_date": "2025-09-10",
        "clock_resumed_date": "2025-09-17",
        "paused_days": 7,
    }


def test_a_paused_request_is_judged_again_at_an_earlier_as_of(tmp_path):
    # --as-of before the reply arrived: the same snapshot shows the request paused
    values = clarified("2026-02-20T09:00:00Z", "2026-02-23T10:00:00Z")
    tables = {"subject_requests": [request("R1", "2026-01-05T09:00:00Z", **values)]}
    snapshot = load_snapshot(build_snapshot(tmp_path / "s", tables))
    try:
        for as_of, expected in (("2026-02-23T09:00:00", 0), ("2026-02-23T10:00:00", 1)):
            moment = datetime.fromisoformat(as_of).replace(tzinfo=UTC)
            found = run_rules(snapshot, load_policy(), moment, [REGISTRY["SAR-001"]])
            assert len(found) == expected
    finally:
        snapshot.con.close()
