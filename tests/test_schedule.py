"""build_schedule: what falls due after as_of, soonest first.

As "The schedule" of docs/rule-semantics.md defines it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from clock_snapshot import EXPECTED_SCHEDULE

from insight_workbench.deadlines.schedule import build_schedule
from insight_workbench.errors import InputError
from insight_workbench.loading.snapshot import Snapshot, load_snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules.runner import run_check
from insight_workbench.testing import build_snapshot

POLICY = load_policy()
EXPORTED = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def snapshot(clock: Snapshot) -> Snapshot:
    return clock


def listed(snapshot, as_of=EXPORTED, within=None) -> list[tuple[str, str, str]]:
    return [(i.kind, i.key, i.due) for i in build_schedule(snapshot, POLICY, as_of, within)]


def test_everything_falling_due_soonest_first(snapshot):
    assert listed(snapshot) == EXPECTED_SCHEDULE


@pytest.mark.parametrize(
    ("within", "count"),
    [
        (0, 0),
        (10, 0),  # until 8 Dec 02:00: O2 is due at 09:00
        (11, 1),
        (30, 2),  # until 28 Dec 02:00: R10 (29 Dec) is not in
        (31, 3),  # until 29 Dec (London date): R10 is in
        (400, 5),
    ],
)
def test_within_days(snapshot, within, count):
    assert listed(snapshot, within=within) == EXPECTED_SCHEDULE[:count]


@pytest.mark.parametrize("zone", ["Europe/London", "Australia/Sydney", "America/Anchorage"])
def test_a_horizon_past_year_9999_keeps_every_item_whatever_the_clock_s_zone(snapshot, zone):
    """The horizon ends at the calendar's last instant; its calendar date in a zone ahead
    of UTC would be in year 10000."""
    policy = replace(POLICY, subject_requests=replace(POLICY.subject_requests, timezone=zone))
    every = build_schedule(snapshot, policy, EXPORTED)
    assert every
    assert build_schedule(snapshot, policy, EXPORTED, 10**9) == every


def test_overdue_items_are_findings_not_schedule_items(snapshot):
    keys = {key for _, key, _ in listed(snapshot)}
    findings = {
        f.key
        for f in run_check(snapshot, POLICY).findings
        if f.rule in ("RET-001", "RET-002", "SAR-001", "TPP-002")
    }
    assert findings
    assert not keys & findings


def test_a_request_due_today_is_still_scheduled(snapshot):
    as_of = datetime(2026, 12, 21, 22, 0, tzinfo=UTC)  # 22:00 GMT on the due date
    assert ("subject_request", "request:R2", "2026-12-21") in listed(snapshot, as_of)
    later = datetime(2026, 12, 22, 0, 0, tzinfo=UTC)
    assert "request:R2" not in {key for _, key, _ in listed(snapshot, later)}


def test_retention_is_scheduled_only_before_its_due_instant(snapshot):
    before = datetime(2026, 12, 8, 8, 59, 59, tzinfo=UTC)
    at_due = datetime(2026, 12, 8, 9, 0, 0, tzinfo=UTC)
    assert ("retention", "org:O2", "2026-12-08T09:00:00Z") in listed(snapshot, before)
    assert "org:O2" not in {key for _, key, _ in listed(snapshot, at_due)}
    # The app's Overview asks for those due at the instant itself too, first of all.
    now = build_schedule(snapshot, POLICY, at_due, due_now=True)
    assert (now[0].kind, now[0].key, now[0].due) == ("retention", "org:O2", "2026-12-08T09:00:00Z")
    later = build_schedule(snapshot, POLICY, before + timedelta(seconds=2), due_now=True)
    assert "org:O2" not in {i.key for i in later}  # overdue by then: a finding


def test_a_review_due_today_is_scheduled(snapshot):
    as_of = datetime(2027, 1, 5, 23, 59, tzinfo=UTC)
    assert ("processor_review", "processor:P2", "2027-01-05") in listed(snapshot, as_of)


def test_messages_say_what_to_do(snapshot):
    items = {i.key: i for i in build_schedule(snapshot, POLICY, EXPORTED)}
    assert items["org:O2"].message == (
        "Closed organisation Org O2: delete user data by 2026-12-08T09:00:00Z "
        "(closure 2026-11-10; 1 row of user data held)"
    )
    assert items["request:R10"].message == (
        "Erasure request received 2026-11-25: answer by 2026-12-29"
    )
    assert items["processor:P2"].message == (
        "Review processor Supplier P2 (hosting): last evaluated 2026-01-05"
    )


def closed(org_id: str, at: str) -> dict[str, str]:
    """An organisation closed at `at` (no user data held: a schedule item, not a finding)."""
    return {
        "org_id": org_id,
        "name": f"Org {org_id}",
        "product": "value_insight",
        "status": "closed",
        "created_at": "2025-01-01T00:00:00Z",
        "closed_at": at,
    }


def test_retention_due_keeps_the_fraction_of_a_second(tmp_path):
    folder = build_snapshot(
        tmp_path / "s",
        {"organisations": [closed("O1", "2028-03-06T23:29:59.999Z")]},
        exported_at="2028-03-20T00:00:00Z",
    )
    snapshot = load_snapshot(folder)
    try:
        [item] = build_schedule(snapshot, POLICY, snapshot.manifest.exported_at)
    finally:
        snapshot.con.close()
    assert (item.key, item.due) == ("org:O1", "2028-04-03T23:29:59.999Z")
    assert "delete user data by 2028-04-03T23:29:59.999Z" in item.message


def test_dues_within_one_second_are_in_time_order(tmp_path):
    orgs = [
        closed("O1", "2026-06-03T12:00:00Z"),
        closed("O2", "2026-06-03T12:00:00.9Z"),
        closed("O3", "2026-06-03T12:00:00.25Z"),
    ]
    folder = build_snapshot(
        tmp_path / "s", {"organisations": orgs}, exported_at="2026-06-01T12:00:00Z"
    )
    snapshot = load_snapshot(folder)
    try:
        items = build_schedule(snapshot, POLICY, snapshot.manifest.exported_at)
    finally:
        snapshot.con.close()
    assert [(i.key, i.due) for i in items] == [
        ("org:O1", "2026-07-01T12:00:00Z"),
        ("org:O3", "2026-07-01T12:00:00.25Z"),
        ("org:O2", "2026-07-01T12:00:00.9Z"),
    ]


def test_a_request_due_in_the_last_year_is_scheduled_alone(tmp_path):
    """Its clock ends in 9999, a year the calendar holds only as the year after 9998."""
    late = {
        "request_id": "R1",
        "received_at": "9998-12-31T12:00:00Z",
        "requester_email": "x@example.org",
        "type": "access",
        "status": "open",
        "extended": True,
    }
    snapshot = load_snapshot(build_snapshot(tmp_path / "s", {"subject_requests": [late]}))
    try:
        items = build_schedule(snapshot, POLICY, datetime(9998, 12, 31, 13, tzinfo=UTC))
    finally:
        snapshot.con.close()
    # 31 Dec 9998 + 3 months: Wednesday 31 Mar 9999, no bank holiday
    assert [(i.key, i.due) for i in items] == [("request:R1", "9999-03-31")]


LATE = {  # the latest dates a snapshot can hold, and a period that carries each past 9999
    "organisations": [
        closed("O1", "9998-12-01T00:00:00Z"),
        {**closed("O2", ""), "status": "trial", "last_contact_at": "9998-12-01T00:00:00Z"},
    ],
    "subject_requests": [
        {
            "request_id": "R1",
            "received_at": "9998-12-01T00:00:00Z",
            "requester_email": "x@example.org",
            "type": "access",
            "status": "open",
            "extended": "false",
        }
    ],
    "processors": [
        {
            "processor_id": "P1",
            "name": "Host",
            "service": "hosting",
            "data_categories": "name",
            "contract_start": "9998-01-01",
            "assessment_date": "9997-12-01",
            "last_review_date": "9998-12-01",
        }
    ],
}


@pytest.mark.parametrize(
    ("section", "setting", "value"),
    [
        ("retention", "closed_account_days", 396),
        ("retention", "potential_customer_months", 13),
        ("subject_requests", "response_months", 13),
        ("subject_requests", "extended_months", 13),
        ("third_parties", "review_months", 13),
    ],
)
def test_a_period_carrying_a_due_date_past_9999_is_refused_naming_it(
    tmp_path, section, setting, value
):
    """Each due falls in 9999 under the default policy, a little longer is refused
    (it was a traceback, or a request silently left out of the schedule)."""
    LATE["subject_requests"][0]["extended"] = str(setting == "extended_months").lower()
    folder = build_snapshot(tmp_path / "s", LATE, exported_at="9998-12-02T00:00:00Z")
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text(f"[{section}]\n{setting} = {value}\n")
    snapshot = load_snapshot(folder)
    try:
        assert len(build_schedule(snapshot, POLICY, snapshot.manifest.exported_at)) == 4
        with pytest.raises(InputError, match=rf"\[{section}\]\.{setting}.* after year 9999"):
            build_schedule(snapshot, load_policy(policy_file), snapshot.manifest.exported_at)
        with pytest.raises(InputError, match=rf"\[{section}\]\.{setting}"):
            run_check(snapshot, load_policy(policy_file))
    finally:
        snapshot.con.close()


def test_paused_requests_are_not_scheduled_until_the_clarification_arrives(tmp_path):
    waiting = {
        "request_id": "R1",
        "received_at": "2026-01-05T09:00:00Z",
        "requester_email": "x@example.org",
        "type": "access",
        "status": "open",
        "extended": False,
        "clarification_requested_at": "2026-01-10T09:00:00Z",
        "clarification_received_at": "2026-03-01T10:00:00Z",
    }
    snapshot = load_snapshot(build_snapshot(tmp_path / "s", {"subject_requests": [waiting]}))
    arrived = datetime(2026, 3, 1, 10, tzinfo=UTC)
    asked = datetime(2026, 1, 10, 9, tzinfo=UTC)
    try:
        # before the clarification was asked for, the clock ran: due Thu 5 Feb
        [before] = build_schedule(snapshot, POLICY, asked - timedelta(microseconds=1))
        assert (before.key, before.due) == ("request:R1", "2026-02-05")
        assert build_schedule(snapshot, POLICY, asked) == []
        assert build_schedule(snapshot, POLICY, arrived - timedelta(microseconds=1)) == []
        # received exactly at as_of: the clock runs again; 5 Feb + 50 days = Fri 27 Mar
        [item] = build_schedule(snapshot, POLICY, arrived)
    finally:
        snapshot.con.close()
    assert (item.key, item.due) == ("request:R1", "2026-03-27")
    assert item.message == (
        "Access request received 2026-01-05 (clock stopped 50 days for clarification): "
        "answer by 2026-03-27"
    )
