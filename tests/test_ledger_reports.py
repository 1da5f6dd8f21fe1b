"""Reports in the ledger: every run logs `report_run`, and a compliance report that
succeeded records the run it judged (source `report`, once), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from insight_workbench.ledger import audit_trail
from insight_workbench.ledger.database import open_ledger, reading
from insight_workbench.ledger.runs import run_identity
from insight_workbench.ledger.tables import audit, runs
from insight_workbench.reports import MONTHLY_SET, runner
from insight_workbench.reports.runner import prepare_run, record_in_ledger, run_report
from insight_workbench.rules.runner import CheckResult
from insight_workbench.testing import build_snapshot

FIXTURES = Path(__file__).parent / "notebooks"


def trail(setting: str) -> list[tuple[str, str, str, list[str]]]:
    with reading(open_ledger(setting)) as connection:
        rows = connection.execute(select(audit).order_by(audit.c.seq)).mappings().all()
    return [(r["who"], r["role"], r["action"], json.loads(r["object_keys"])) for r in rows]


def recorded(setting: str) -> list[tuple[Any, ...]]:
    with reading(open_ledger(setting)) as connection:
        found = connection.execute(select(runs.c.source, runs.c.recorded_by, runs.c.run_id))
        return [tuple(row) for row in found]


@pytest.fixture
def acting(monkeypatch: pytest.MonkeyPatch, ledger_setting: str) -> str:
    monkeypatch.setenv("INSIGHT_LEDGER", ledger_setting)
    monkeypatch.setenv("INSIGHT_USER", "scheduler")
    monkeypatch.delenv("INSIGHT_ACTING_ROLE", raising=False)
    return ledger_setting


def test_a_compliance_report_records_its_run_once(acting: str, sample_path: Path) -> None:
    prepared = prepare_run("retention_audit", sample_path)
    record_in_ledger(prepared, {**prepared.record, "status": "succeeded"})
    again = prepare_run("access_review", sample_path)  # the same snapshot, as_of and policy
    record_in_ledger(again, {**again.record, "status": "succeeded"})
    [(source, by, run_id)] = recorded(acting)
    assert (source, by) == ("report", "scheduler")
    [(who, role, action, [named, sealed]), *reports] = trail(acting)
    assert (who, role, action, named) == ("scheduler", "cli", "run_recorded", f"run:{run_id}")
    assert sealed.startswith(f"run:{run_id}:sha256:")  # what `ledger verify` holds it to
    assert reports == [
        ("scheduler", "cli", "report_run", ["notebook:retention_audit"]),
        ("scheduler", "cli", "report_run", ["notebook:access_review"]),
    ]
    assert audit_trail.verify(open_ledger(acting))[0].broken is None


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The id of each run the reports' recording checked (ran every rule for)."""
    ran: list[str] = []
    check = runner.run_check

    def counted(*args: Any, **kwargs: Any) -> CheckResult:
        result = check(*args, **kwargs)
        ran.append(run_identity(result))
        return result

    monkeypatch.setattr(runner, "run_check", counted)
    return ran


def test_the_rules_run_once_for_the_monthly_set(
    acting: str, sample_path: Path, checks: list[str]
) -> None:
    """The reports of the set after the first find their run in the ledger by its id:
    they do not run the rules again. Another as-of is another run, checked again."""
    for name in MONTHLY_SET:
        prepared = prepare_run(name, sample_path)
        record_in_ledger(prepared, {**prepared.record, "status": "succeeded"})
    [(_, _, run_id)] = recorded(acting)
    assert checks == [run_id]
    later = prepare_run("retention_audit", sample_path, as_of="2030-01-01")
    record_in_ledger(later, {**later.record, "status": "succeeded"})
    assert len(checks) == 2
    assert sorted(checks) == sorted(run_id for _, _, run_id in recorded(acting))
    actions = [action for _, _, action, _ in trail(acting)]
    assert actions.count("report_run") == len(MONTHLY_SET) + 1
    assert actions.count("run_recorded") == 2


def test_a_failed_or_analyst_report_records_no_run(
    acting: str, sample_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INSIGHT_USER", "dpo@example.org")
    monkeypatch.setenv("INSIGHT_ACTING_ROLE", "dpo")  # as the app starts a report
    failed = prepare_run("retention_audit", sample_path)
    record_in_ledger(failed, {**failed.record, "status": "failed"})
    usage = prepare_run("explore", sample_path)
    record_in_ledger(usage, {**usage.record, "status": "succeeded"})
    assert recorded(acting) == []
    assert [(who, role, action) for who, role, action, _ in trail(acting)] == [
        ("dpo@example.org", "dpo", "report_run"),
        ("dpo@example.org", "dpo", "report_run"),
    ]


def test_a_folder_holding_another_export_by_then_records_no_run(
    acting: str, tmp_path: Path
) -> None:
    """The run a report judged is the snapshot its record names: the folder, replaced by
    the next export while the report ran, is not judged in its place."""
    latest = build_snapshot(tmp_path / "latest")
    prepared = prepare_run("retention_audit", latest)
    other = build_snapshot(tmp_path / "next" / "latest", exported_at="2026-12-28T02:00:00Z")
    shutil.rmtree(latest)
    other.rename(latest)
    record_in_ledger(prepared, {**prepared.record, "status": "succeeded"})
    assert recorded(acting) == []
    assert [action for _, _, action, _ in trail(acting)] == ["report_run"]


def test_a_policy_file_edited_by_then_records_no_run(acting: str, tmp_path: Path) -> None:
    """The run a report judged is under the policy settings its record names, not those
    of the file edited since."""
    latest = build_snapshot(tmp_path / "latest")
    policy = tmp_path / "policy.toml"
    policy.write_text("[retention]\nclosed_account_days = 28\n", encoding="utf-8")
    prepared = prepare_run("retention_audit", latest, parameters={"policy": str(policy)})
    policy.write_text("[retention]\nclosed_account_days = 90\n", encoding="utf-8")
    record_in_ledger(prepared, {**prepared.record, "status": "succeeded"})
    assert recorded(acting) == []
    assert [action for _, _, action, _ in trail(acting)] == ["report_run"]


def test_running_a_notebook_logs_the_report_run(
    acting: str, usage_path: Path, tmp_path: Path
) -> None:
    done = run_report(FIXTURES / "echo.ipynb", usage_path, tmp_path / "out", pdf=False)
    assert done.succeeded
    assert trail(acting) == [("scheduler", "cli", "report_run", ["notebook:echo"])]
