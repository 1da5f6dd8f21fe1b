"""The twelve-month sample series through the ledger: every planted finding lives
exactly the life `lifecycle.json` writes out, on SQLite and on PostgreSQL.

The months are recorded out of order (the ledger orders runs by `exported_at`), the
planted decisions are made at the moments the file gives, and the lifecycle is judged
on the day of the last export, as the file judges it.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from ledger_maker import LedgerMaker

from insight_workbench.ledger.database import close_ledgers, open_ledger
from insight_workbench.ledger.decisions import Request, decide
from insight_workbench.ledger.lifecycle import finding_lifecycle
from insight_workbench.ledger.runs import record_run
from insight_workbench.loading.snapshot import load_snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules.runner import CheckResult, run_check
from insight_workbench.sample.series import generate_series

pytestmark = pytest.mark.slow  # started first: see tests/conftest.py

MONTHS = 12


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def series(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_series(tmp_path_factory.mktemp("series") / "series", MONTHS)


@pytest.fixture(scope="module")
def expected(series: Path) -> dict[str, Any]:
    return json.loads((series / "lifecycle.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def results(series: Path, expected: dict[str, Any]) -> list[CheckResult]:
    """`check` of every month, oldest first."""
    policy = load_policy()
    return [run_check(load_snapshot(series / month), policy) for month in expected["months"]]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def recorded(
    request: pytest.FixtureRequest,
    ledgers: LedgerMaker,
    tmp_path_factory: pytest.TempPathFactory,
    results: list[CheckResult],
    expected: dict[str, Any],
) -> Iterator[str]:
    """A ledger on each backend with the twelve runs recorded in a shuffled order, then
    the planted decisions: made once per backend, as the tests only read it."""
    ledger_setting = ledgers.new(request, request.param, tmp_path_factory.mktemp("ledger"))
    ledger = open_ledger(ledger_setting)
    for result in random.Random(12).sample(results, len(results)):
        record_run(ledger, result, source="cli")
    for made in expected["decisions"]:
        asked = Request(
            action=made["action"],
            basis=made.get("basis"),
            approver=made.get("approver"),
            until=datetime.strptime(made["until"], "%Y-%m-%d").date()
            if made.get("until")
            else None,
        )
        decide(ledger, made["rule"], made["key"], asked, by=made["by"], now=moment(made["at"]))
    yield ledger_setting
    close_ledgers()


def test_every_planted_finding_lives_the_written_life(
    recorded: str, expected: dict[str, Any]
) -> None:
    last_export = moment(expected["exported_at"][-1])
    lifecycle = finding_lifecycle(open_ledger(recorded), now=last_export).as_dict()
    found = {(f["rule"], f["key"]): f for f in lifecycle["findings"]}
    fields = ("state", "first_seen", "last_seen", "resolved_in", "runs_seen")
    for planted in expected["findings"]:
        life = found[(planted["rule"], planted["key"])]
        assert {f: life[f] for f in fields} == {f: planted[f] for f in fields}, planted["key"]


def test_the_runs_are_in_export_order(recorded: str, expected: dict[str, Any]) -> None:
    runs = finding_lifecycle(open_ledger(recorded)).as_dict()["runs"]
    assert [run["exported_at"] for run in runs] == expected["exported_at"]


def test_exceptions_are_shown_until_they_expire(recorded: str, expected: dict[str, Any]) -> None:
    ledger = open_ledger(recorded)
    for made in expected["decisions"]:
        until = datetime.strptime(made["until"], "%Y-%m-%d")
        during = finding_lifecycle(ledger, made["rule"], made["key"], now=until)
        after = finding_lifecycle(
            ledger, made["rule"], made["key"], now=until.replace(year=until.year + 1)
        )
        assert during.findings[0].state == "excepted"
        assert after.findings[0].state != "excepted"
        assert after.findings[0].exception is None


def test_every_planted_deletion_has_its_written_certificate(
    recorded: str, expected: dict[str, Any], tmp_path: Path
) -> None:
    from cli_runner import run_cli

    out = tmp_path / "evidence"
    done = run_cli("evidence", "--out", out, "--format", "json", env={"INSIGHT_LEDGER": recorded})
    assert done.returncode == 0, done.stderr
    register = json.loads((out / "register.json").read_text(encoding="utf-8"))
    records = {record["key"]: record for record in register["records"]}
    for planted in expected["deletions"]:
        record = records[planted["key"]]
        assert record["rule"] == planted["rule"]
        assert record["due"] == planted["due"]
        assert record["last_held"]["exported_at"] == planted["last_held_exported_at"]
        assert record["last_held"]["rows"] == planted["last_held_rows"]
        assert record["first_clear"]["exported_at"] == planted["first_clear_exported_at"]
        assert record["verdict"] == planted["verdict"]
        assert record["late_by_days_at_most"] == planted["late_by_days_at_most"]
