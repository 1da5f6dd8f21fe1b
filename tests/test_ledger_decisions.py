"""The DPO's decisions about findings, on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from lifecycle_snapshots import P1, P4, U9

from insight_workbench.errors import InputError
from insight_workbench.ledger import audit_trail, chain
from insight_workbench.ledger.database import open_ledger, reading, writing
from insight_workbench.ledger.decision_log import in_force
from insight_workbench.ledger.decisions import Decision, Request, decide, standing_decisions
from insight_workbench.ledger.lifecycle import FindingLife, finding_history
from insight_workbench.ledger.tables import decisions, findings, runs

NOW = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)
END = date(2026, 6, 30)
EXCEPTION = Request("except", basis="Contract ends in June", approver="Board", until=END)


@pytest.fixture
def ledger(lifecycle_ledger: str) -> str:
    """A ledger holding the four monthly runs."""
    return lifecycle_ledger


def history(setting: str, finding: tuple[str, str], now: datetime = NOW) -> FindingLife:
    found = finding_history(open_ledger(setting), *finding, now=now)
    assert found is not None
    return found


def recorded(setting: str) -> int:
    with reading(open_ledger(setting)) as connection:
        return chain.count(connection, decisions)


def test_decisions_are_kept_in_order_with_who_and_when(ledger: str) -> None:
    opened = open_ledger(ledger)
    decide(opened, *P1, Request("acknowledge"), by="dpo@example.org", now=NOW)
    later = datetime(2026, 4, 11, 9, 30, 0, 250_000, tzinfo=UTC)
    decide(opened, *P1, Request("assign", owner="Vendor team", note="Chase"), by="dpo", now=later)
    decide(opened, *P1, Request("note", note="Assessment booked"), by="dpo", now=later)
    shown = history(ledger, P1).as_dict()["decisions"]
    assert [(d["action"], d["by"], d["at"], d["owner"], d["note"]) for d in shown] == [
        ("acknowledge", "dpo@example.org", "2026-04-10T12:00:00Z", None, None),
        ("assign", "dpo", "2026-04-11T09:30:00.25Z", "Vendor team", "Chase"),
        ("note", "dpo", "2026-04-11T09:30:00.25Z", None, "Assessment booked"),
    ]
    with reading(opened) as connection:
        assert chain.verify(connection, decisions) is None
    assert history(ledger, P4).decisions == ()  # decisions belong to one finding


def test_who_decides_is_the_acting_user_by_default(
    ledger: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INSIGHT_USER", "deputy@example.org")
    decide(open_ledger(ledger), *P4, Request("acknowledge"), now=NOW)
    assert history(ledger, P4).decisions[0].by == "deputy@example.org"


def test_an_exception_covers_the_finding_up_to_its_end_date_in_london(ledger: str) -> None:
    decide(open_ledger(ledger), *P4, EXCEPTION, by="dpo", now=NOW)
    covered = history(ledger, P4)
    assert covered.state == "excepted"
    assert covered.as_dict()["exception"] == {
        "basis": "Contract ends in June",
        "approver": "Board",
        "until": "2026-06-30",
        "by": "dpo",
        "at": "2026-04-10T12:00:00Z",
    }
    last_day = datetime(2026, 6, 30, 22, 59, tzinfo=UTC)  # 23:59 on 30 June in London
    assert history(ledger, P4, last_day).state == "excepted"
    expired = history(ledger, P4, datetime(2026, 6, 30, 23, 0, tzinfo=UTC))  # 1 July, London
    assert (expired.state, expired.exception) == ("open", None)
    assert [d.action for d in expired.decisions] == ["except"]  # still on the record


def test_a_resolved_finding_stays_resolved_under_an_exception(ledger: str) -> None:
    decide(open_ledger(ledger), *U9, EXCEPTION, by="dpo", now=NOW)
    assert history(ledger, U9).state == "resolved"
    assert history(ledger, U9).exception is not None


def test_withdrawing_an_exception_opens_the_finding_again(ledger: str) -> None:
    opened = open_ledger(ledger)
    decide(opened, *P1, EXCEPTION, by="dpo", now=NOW)
    assert history(ledger, P1).state == "excepted"
    decide(opened, *P1, Request("withdraw-exception", note="Board changed its mind"), now=NOW)
    assert (history(ledger, P1).state, history(ledger, P1).exception) == ("reopened", None)
    with pytest.raises(InputError, match="no exception in force to withdraw"):
        decide(opened, *P1, Request("withdraw-exception"), now=NOW)


def test_an_expired_exception_cannot_be_withdrawn(ledger: str) -> None:
    decide(open_ledger(ledger), *P4, EXCEPTION, by="dpo", now=NOW)
    with pytest.raises(InputError, match="no exception in force"):
        decide(
            open_ledger(ledger),
            *P4,
            Request("withdraw-exception"),
            now=datetime(2026, 7, 2, tzinfo=UTC),
        )


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (Request("except", approver="Board", until=END), "basis is required"),
        (Request("except", basis="  ", approver="Board", until=END), "basis is required"),
        (Request("except", basis="Contract", until=END), "approver is required"),
        (Request("except", basis="Contract", approver="Board"), "needs an end date"),
        (
            Request("except", basis="Contract", approver="Board", until=date(2026, 4, 10)),
            r"after today \(2026-04-10 in London\); 2026-04-10 is not",
        ),
        (
            Request("except", basis="Contract", approver="Board", until=date(2025, 1, 1)),
            "after today",
        ),
        (Request("assign"), "owner is required"),
        (Request("assign", owner="x" * 401), "too long"),
        (Request("note"), "a note needs its text"),
        (Request("acknowledge", basis="Contract"), "only with an exception"),
        (Request("acknowledge", owner="Vendor team"), "only when assigning"),
        (Request("note", note="a\x00b"), "NUL"),
        (Request("approve"), "unknown decision"),
    ],
)
def test_an_incomplete_decision_is_refused_and_nothing_is_recorded(
    ledger_setting: str, request_: Request, message: str
) -> None:
    # Checked before the ledger is read: the finding need not be recorded to be refused.
    with pytest.raises(InputError, match=message):
        decide(open_ledger(ledger_setting), *P4, request_, by="dpo", now=NOW)
    assert recorded(ledger_setting) == 0


def test_a_decision_must_name_a_recorded_finding(ledger: str) -> None:
    for rule, key in [("TPP-001", "processor:P2"), ("TPP-002", "processor:P1")]:
        with pytest.raises(InputError, match="no recorded run has this finding"):
            decide(open_ledger(ledger), rule, key, Request("acknowledge"), by="dpo", now=NOW)
    assert recorded(ledger) == 0


def test_an_end_date_that_is_not_a_date_is_named_not_taken_as_in_force() -> None:
    """Compared as text, 'never' would be later than any date."""
    excepted = Decision("except", "dpo", "2026-01-01T00:00:00.000000Z", until="never")
    with pytest.raises(InputError, match="holds a date the workbench did not write"):
        in_force(excepted, date(2026, 11, 1))
    assert in_force(replace(excepted, until="2026-11-01"), date(2026, 11, 1))
    assert not in_force(replace(excepted, until="2026-10-31"), date(2026, 11, 1))


def record_findings(setting: str, *keys: str) -> None:
    """One recorded run finding RET-001 for each of `keys`."""
    run = {
        "run_id": "r1",
        "snapshot_id": "S1",
        "manifest_sha256": "0" * 64,
        "exported_at": "2026-04-01T02:00:00Z",
        "as_of": "2026-04-01T02:00:00Z",
        "policy": "{}",
        "rules": '["RET-001"]',
        "workbench_version": "test",
        "recorded_at": "2026-04-01T03:00:00Z",
        "recorded_by": "dpo",
        "source": "cli",
    }
    found = {"rule": "RET-001", "severity": "high", "message": "m", "evidence": "{}"}
    with writing(open_ledger(setting)) as connection:
        connection.execute(runs.insert().values(**run))
        connection.execute(findings.insert(), [{"run_id": "r1", "key": k, **found} for k in keys])


def test_a_decision_names_its_finding_in_the_audit_trail_as_the_app_would(
    ledger_setting: str,
) -> None:
    """A key unfit for the trail as it is is logged escaped, else by kind and hash; an
    address (ACC-004's `ip:` keys) never."""
    keys = ["org:O8\n9", "org: O2", "ip:203.0.113.9", "org:O3"]
    record_findings(ledger_setting, *keys)
    for key in keys:
        decide(open_ledger(ledger_setting), "RET-001", key, Request("acknowledge"), by="dpo")
    logged = audit_trail.entries(open_ledger(ledger_setting), actions=["decision"])
    assert [entry.object_keys for entry in reversed(logged)] == [
        ["org:O8\\n9"],
        ["org:sha256:" + hashlib.sha256(b"org: O2").hexdigest()],
        [],
        ["org:O3"],
    ]


def test_standing_names_the_latest_owner_and_the_exception_in_force(ledger: str) -> None:
    """What the pages show beside a finding: the owner its latest assignment names (an
    exception withdrawn leaves the owner), the exception in force, and nothing of a
    finding with neither."""
    opened = open_ledger(ledger)
    decide(opened, *P1, Request("assign", owner="Vendor team"), by="dpo", now=NOW)
    decide(opened, *P1, Request("assign", owner="Records team"), by="dpo", now=NOW)
    decide(opened, *P1, EXCEPTION, by="dpo", now=NOW)
    decide(opened, *P1, Request("withdraw-exception"), by="dpo", now=NOW)
    decide(opened, *P4, EXCEPTION, by="dpo", now=NOW)
    decide(opened, *U9, Request("acknowledge"), by="dpo", now=NOW)
    standing = standing_decisions(opened, now=NOW)
    assert set(standing) == {P1, P4}
    assert (standing[P1].owner, standing[P1].exception) == ("Records team", None)
    assert standing[P4].owner is None
    exception = standing[P4].exception
    assert exception is not None
    assert exception.until == "2026-06-30"
    after = standing_decisions(opened, now=datetime(2026, 7, 1, 12, tzinfo=UTC))
    assert set(after) == {P1}  # the exception has ended; the owner stays
    assert set(standing_decisions(opened, "TPP", now=NOW)) == {P1, P4}
    assert standing_decisions(opened, "RET", now=NOW) == {}  # U9 is only acknowledged
