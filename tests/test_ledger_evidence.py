"""Deletion evidence from recorded runs (tests/deletion_snapshots.py), on SQLite and on a
real PostgreSQL server: which keys have a record, its two runs, due date and verdict."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from deletion_snapshots import (
    build_quarantining,
    build_request_quarantined,
    decide,
    expected_records,
    record,
)

from insight_workbench.ledger.database import open_ledger, reading
from insight_workbench.ledger.decision_log import decisions_about, in_force, standing_exception
from insight_workbench.ledger.evidence import (
    NOTHING_OWED,
    DeletionRecord,
    Held,
    RunRef,
    deletion_records,
    judge,
    why_no_record,
)
from insight_workbench.ledger.evidence_files import read_evidence
from insight_workbench.ledger.instants import parsed, shown
from insight_workbench.ledger.runs import record_run
from insight_workbench.loading.snapshot import load_snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules.runner import CheckResult, run_check


def test_the_register_holds_every_deleted_key(
    deletions_ledger: str, deletion_months: dict[str, CheckResult]
) -> None:
    with reading(open_ledger(deletions_ledger)) as connection:
        found = [r.as_dict() for r in deletion_records(connection)]
    assert found == expected_records(deletion_months)


def test_the_order_of_recording_does_not_matter(
    ledger_setting: str, deletion_months: dict[str, CheckResult]
) -> None:
    record(ledger_setting, deletion_months, sorted(deletion_months))
    with reading(open_ledger(ledger_setting)) as connection:
        found = [r.as_dict() for r in deletion_records(connection)]
    assert found == expected_records(deletion_months)


def test_data_held_again_follows_the_latest_clearing(deletions_ledger: str) -> None:
    with reading(open_ledger(deletions_ledger)) as connection:
        held_again = {r.key: r.held_again for r in deletion_records(connection)}
    assert held_again == {key: key == "org:O4" for key in held_again}


def test_a_snapshot_exported_at_the_same_instant_clears_nothing_before() -> None:
    """Two exports at one instant, the second holding none of the data: that is no
    clearing (as a record from those two alone is none), so the later clearing is the
    first; its certificate said the data had been cleared once before."""
    runs = [
        RunRef(f"r{n}", f"s{n}", f"{n}" * 64, exported, exported)
        for n, exported in enumerate(
            [
                "2026-11-28T02:00:00Z",
                "2026-11-28T02:00:00Z",
                "2026-11-30T02:00:00Z",
                "2026-12-01T02:00:00Z",
            ]
        )
    ]
    held = {run: Held("RET-001", "2026-12-20T00:00:00Z", {"users": 3}) for run in ("r0", "r2")}
    judged = judge("org:O8", runs, held)
    assert isinstance(judged, DeletionRecord)
    assert (judged.last_held.run_id, judged.first_clear.run_id) == ("r2", "r3")
    assert judged.held_again is False
    later = [*runs[:1], RunRef("r1", "s1", "1" * 64, "2026-11-29T02:00:00Z", "x"), *runs[2:]]
    again = judge("org:O8", later, held)  # a clearing between: held again since
    assert isinstance(again, DeletionRecord)
    assert again.held_again is True


def test_held_again_and_still_held_has_no_record(
    ledger_setting: str, deletion_months: dict[str, CheckResult]
) -> None:
    record(ledger_setting, deletion_months, ["2026-09", "2026-10", "2026-11"])  # O4 held again last
    with reading(open_ledger(ledger_setting)) as connection:
        keys = [r.key for r in deletion_records(connection)]
        reason = why_no_record(connection, "org:O4")
    assert "org:O4" not in keys
    assert keys == ["org:O1", "org:O2", "org:O7", "org:O8", "request:R1"]
    assert reason == "the latest recorded snapshot still holds its data"


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("org:O3", "the latest recorded snapshot still holds its data"),
        ("org:O5", "the latest recorded snapshot still holds its data"),
        ("org:O6", "no retention rule set a due date for it when it was last held or cleared"),
        ("org:NOPE", NOTHING_OWED),
        ("org:O1", None),
    ],
)
def test_why_a_key_has_no_record(deletions_ledger: str, key: str, reason: str | None) -> None:
    with reading(open_ledger(deletions_ledger)) as connection:
        assert why_no_record(connection, key) == reason
        assert [r.key for r in deletion_records(connection, key)] == ([key] if not reason else [])
    assert read_evidence(open_ledger(deletions_ledger), key).no_record == reason


def test_one_run_or_none_proves_no_deletion(
    ledger_setting: str, deletion_months: dict[str, CheckResult]
) -> None:
    ledger = open_ledger(ledger_setting)
    with reading(ledger) as connection:
        assert deletion_records(connection) == []
        assert why_no_record(connection, "org:O1") == (
            "no runs are recorded yet (record them with insight-workbench check --record)"
        )
    record(ledger_setting, deletion_months, ["2026-10"])
    with reading(ledger) as connection:
        assert deletion_records(connection) == []


def test_decisions_and_the_standing_exception(ledger_setting: str) -> None:
    decide(ledger_setting, "org:O1", "assign", owner="ops@example.org")
    grant = {"basis": "legal hold", "approver": "Counsel", "until": "2026-12-31"}
    decide(ledger_setting, "org:O1", "except", **grant)
    decide(ledger_setting, "org:O2", "except", **grant)
    decide(ledger_setting, "org:O2", "withdraw-exception")
    with reading(open_ledger(ledger_setting)) as connection:
        found = decisions_about(connection, ["org:O1", "org:O2"])
        assert decisions_about(connection, []) == {}
    assert [d.action for d in found["org:O1"]] == ["assign", "except"]
    assert found["org:O1"][0].at == "2026-11-04T09:00:00Z"
    exception = standing_exception(found["org:O1"], "RET-001")
    assert exception is not None
    assert (exception.basis, exception.until) == ("legal hold", "2026-12-31")
    assert standing_exception(found["org:O1"], "RET-003") is None
    assert standing_exception(found["org:O2"]) is None  # withdrawn
    assert in_force(exception, date(2026, 12, 31))
    assert not in_force(exception, date(2027, 1, 1))


def test_a_stored_due_in_year_9999_reads_back() -> None:
    """Deadlines run past 9998 (a closure late in 9998 is due in 9999): the ledger stores
    such dues, and reads them back as the instants they are."""
    assert parsed("9999-01-17T00:00:00.000000Z") == datetime(9999, 1, 17, tzinfo=UTC)
    assert shown("9999-01-17T00:00:00.500000Z") == "9999-01-17T00:00:00.5Z"
    assert shown("999-01-17T00:00:00.000000Z") == "0999-01-17T00:00:00Z"  # as older versions wrote


def test_only_a_deletion_owed_has_a_record_and_at_its_earliest_due(
    ledger_setting: str, tmp_path: Path
) -> None:
    """A refused or withdrawn erasure request owes no deletion (it had a "late"
    certificate); a trial organisation with a closed_at answers to RET-002 and RET-001,
    and its data was owed at the earlier due (it was certified on time against the
    later one while its RET-002 finding was overdue)."""
    from insight_workbench.ledger.runs import record_run
    from insight_workbench.loading.snapshot import load_snapshot
    from insight_workbench.policy import load_policy
    from insight_workbench.rules.runner import run_check
    from insight_workbench.testing import build_snapshot

    trial = {
        "org_id": "O1", "name": "Trial", "product": "local_insight", "status": "trial",
        "created_at": "2024-01-01T00:00:00Z", "closed_at": "2026-05-01T00:00:00Z",
        "last_contact_at": "2026-01-05T00:00:00Z",
    }  # fmt: skip
    people = {
        user: {"user_id": user, "org_id": "O1", "name": "N", "email": f"{user}@example.org",
               "role": "user", "created_at": "2024-01-01T00:00:00Z"}
        for user in ("u1", "u2", "u3")
    }  # fmt: skip
    erasure = {"received_at": "2026-04-02T00:00:00Z", "type": "erasure", "extended": "false"}
    requests = [
        {**erasure, "request_id": "R1", "user_id": "u1", "status": "withdrawn",
         "requester_email": "u1@example.org"},
        {**erasure, "request_id": "R2", "user_id": "u2", "status": "refused",
         "requester_email": "u2@example.org"},
    ]  # fmt: skip
    ledger = open_ledger(ledger_setting)
    for name, held, exported_at in [
        ("may", ["u1", "u2", "u3"], "2026-05-10T00:00:00Z"),
        ("june", [], "2026-06-20T00:00:00Z"),
    ]:
        tables = {
            "organisations": [trial],
            "users": [people[user] for user in held],
            "subject_requests": requests,
        }
        snapshot = load_snapshot(build_snapshot(tmp_path / name, tables, exported_at=exported_at))
        record_run(ledger, run_check(snapshot, load_policy()), source="cli", by="dpo")
    with reading(ledger) as connection:
        records = [r.as_dict() for r in deletion_records(connection)]
    found = [(r["key"], r["rule"], r["due"], r["verdict"]) for r in records]
    # RET-002: 5 Jan + 3 months = 5 Apr; RET-001 would be 29 May
    assert found == [("org:O1", "RET-002", "2026-04-05T00:00:00Z", "late")]


def _record_path(setting: str, path: Path, prefixes: list[str] | None = None) -> None:
    result = run_check(load_snapshot(path), load_policy(), prefixes=prefixes)
    record_run(open_ledger(setting), result, source="cli", by="dpo")


def _records(setting: str) -> dict[str, DeletionRecord]:
    with reading(open_ledger(setting)) as connection:
        return {r.key: r for r in deletion_records(connection)}


def test_a_clearing_snapshot_that_quarantined_personal_data_says_so(
    ledger_setting: str, deletion_months: dict[str, CheckResult], tmp_path: Path
) -> None:
    """November's export still holds U1 (org:O1), but their users row and a login were
    quarantined: the clearing stands, and says which rows it does not cover."""
    record(ledger_setting, deletion_months, ["2026-09", "2026-10"])
    _record_path(ledger_setting, build_quarantining(tmp_path, "2026-11", "U1"))
    records = _records(ledger_setting)
    o1 = records["org:O1"]
    assert o1.verdict == "late"
    assert o1.late_by_days_at_most == 35
    assert o1.quarantined_rows == {"users": 1, "logins": 1}
    document = o1.as_dict()
    assert document["first_clear"]["quarantined_rows"] == {"users": 1, "logins": 1}
    assert document["not_covered"] == (
        "The first clear snapshot quarantined 1 row of users and 1 row of logins (DQ-001): "
        "rows still in the export that the workbench could not load, and whose they were is "
        "not known. This record does not show that none of them was this data."
    )
    assert records["request:R1"].quarantined_rows == {"users": 1, "logins": 1}  # anyone's
    assert records["org:O2"].as_dict()["first_clear"]["quarantined_rows"] == {}  # October
    assert records["org:O2"].not_covered is None
    for record_ in records.values():
        text = str(record_.as_dict())
        assert "example.org" not in text
        assert "Sam Roe" not in text


def test_a_quarantined_erasure_request_is_not_covered_by_its_clearing(
    ledger_setting: str, deletion_months: dict[str, CheckResult], tmp_path: Path
) -> None:
    """The person is back in November and only the request's own row was quarantined:
    no loaded row ties them to request:R1, which the certificate says; an organisation's
    record is not read through the requests."""
    record(ledger_setting, deletion_months, ["2026-09", "2026-10"])
    _record_path(ledger_setting, build_request_quarantined(tmp_path, "2026-11"))
    records = _records(ledger_setting)
    assert records["request:R1"].quarantined_rows == {"subject_requests": 1}
    assert "1 row of subject_requests" in (records["request:R1"].not_covered or "")
    assert records["org:O1"].quarantined_rows == {}


def test_a_clearing_run_without_dq_001_cannot_tell(
    ledger_setting: str, deletion_months: dict[str, CheckResult]
) -> None:
    """October recorded with the retention rules only: whether it quarantined rows is
    not known, and the record says so; a run of the same export that ran DQ-001 tells."""
    record(ledger_setting, deletion_months, ["2026-09"])
    october = deletion_months["2026-10"].snapshot
    only_ret = run_check(october, load_policy(), prefixes=["RET"])
    record_run(open_ledger(ledger_setting), only_ret, source="cli", by="dpo")
    o2 = _records(ledger_setting)["org:O2"]
    assert o2.first_clear.manifest_sha256 == october.manifest.checksum
    assert o2.quarantined_rows is None
    assert o2.as_dict()["first_clear"]["quarantined_rows"] is None
    assert o2.not_covered is not None
    assert "ran DQ-001" in o2.not_covered
    assert o2.verdict == "on_time"
    record(ledger_setting, deletion_months, ["2026-10"])  # the same export, every rule
    o2 = _records(ledger_setting)["org:O2"]
    assert o2.quarantined_rows == {}
    assert o2.not_covered is None
