"""The monthly compliance pack reads the ledger (`INSIGHT_LEDGER`): the trend over the
recorded runs, the deletion register, decisions and exceptions. One papermill run per
backend: the whole pack is checked in that one run."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from cli_runner import run_cli
from deletion_snapshots import decide, expected_records

from insight_workbench.ledger.database import open_ledger
from insight_workbench.reports.ledger_sections import decisions
from insight_workbench.rules import FAMILIES
from insight_workbench.rules.runner import CheckResult


def test_the_pack_shows_the_ledger(
    deletions_ledger: str,
    deletion_months: dict[str, CheckResult],
    deletion_paths: dict[str, Path],
    tmp_path: Path,
) -> None:
    decide(deletions_ledger, "org:O3", "assign", owner="ops@example.org")
    grant = {"basis": "legal hold", "approver": "Counsel", "until": "2027-01-31"}
    decide(deletions_ledger, "org:O3", "except", **grant)
    env = {**os.environ, "INSIGHT_LEDGER": deletions_ledger}
    latest = deletion_paths["2026-12"]
    args = ["monthly_compliance_pack", "--snapshot", latest, "--out", tmp_path, "--no-pdf"]
    done = run_cli("report", *args, env=env)
    assert done.returncode == 0, done.stderr
    (folder,) = (tmp_path / "monthly_compliance_pack").iterdir()
    figures = json.loads((folder / "results.json").read_text(encoding="utf-8"))

    # the report's own run is the December run already recorded: four runs, oldest first
    trend = figures["trend"]
    assert len(trend) == 4 * len(FAMILIES)
    assert all(row["recorded"] for row in trend)
    ordered = list(dict.fromkeys(row["snapshot_id"] for row in trend))
    assert ordered == sorted(deletion_months)
    for month, result in deletion_months.items():
        found = sum(row["findings"] for row in trend if row["snapshot_id"] == month)
        assert found == len(result.findings)

    expected = expected_records(deletion_months)
    assert figures["ledger"]["deletion_register"] == {
        "records": len(expected),
        "late": [r["key"] for r in expected if r["verdict"] == "late"],
        "keys": [r["key"] for r in expected],
    }
    assert figures["ledger"]["decisions"] == {
        "decisions": 2,
        "exceptions_in_force": ["RET-001 org:O3"],
    }

    html = (folder / "monthly_compliance_pack.html").read_text(encoding="utf-8")
    for heading in ("Trend of findings", "Deletion register", "Decisions and exceptions"):
        assert f">{heading}<" in html
    assert "No runs are recorded yet" not in html
    assert "request:R1" in html
    assert "legal hold" in html


def test_an_exception_is_in_force_to_the_end_of_its_day_in_london(deletions_ledger: str) -> None:
    """Until 31 July (summer time): at 23:30 UTC on 31 July it is already 1 August in
    London, and the exception has ended."""
    grant = {"basis": "legal hold", "approver": "Counsel", "until": "2027-07-31"}
    decide(deletions_ledger, "org:O3", "except", **grant)
    ledger = open_ledger(deletions_ledger)
    before = decisions(ledger, datetime(2027, 7, 31, 22, 59, tzinfo=UTC))
    after = decisions(ledger, datetime(2027, 7, 31, 23, 0, tzinfo=UTC))
    assert before.figures["exceptions_in_force"] == ["RET-001 org:O3"]
    assert "in force on 2027-07-31, London" in before.intro
    assert after.figures["exceptions_in_force"] == []
    assert "in force on 2027-08-01, London" in after.intro
