"""Writers at the same moment, as real processes, on SQLite and a real PostgreSQL
server: two `check --record` of the same snapshot while two app sessions append audit
entries and decisions. Nothing is lost, nothing fails, the chains verify, and the run is
recorded once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import SCRIPT, run_cli
from sqlalchemy import select

from insight_workbench.ledger import audit_trail
from insight_workbench.ledger.database import open_ledger, reading
from insight_workbench.ledger.tables import audit, runs

pytestmark = pytest.mark.slow  # started first: see tests/conftest.py

ROOT = Path(__file__).resolve().parent.parent
SESSION = Path(__file__).with_name("ledger_session.py")


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def test_writers_at_the_same_moment_lose_nothing(
    ledger_setting: str, sample_path: Path, tmp_path: Path
) -> None:
    run_cli("ingest", sample_path)  # the workspace exists: the writers race for the ledger
    open_ledger(ledger_setting)  # and it exists too (opening it at once is tested below)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "INSIGHT_LEDGER": ledger_setting}
    stop = tmp_path / "stop"
    names = ("alice", "bob")
    # The sessions write until both checks are done, so the runs are recorded among them.
    sessions = [
        start([sys.executable, str(SESSION), ledger_setting, str(stop), n], env) for n in names
    ]
    checks = [start([str(SCRIPT), "check", str(sample_path), "--record"], env) for _ in range(2)]
    checked = [process.communicate(timeout=300) for process in checks]
    stop.touch()
    written = [process.communicate(timeout=300) for process in sessions]
    assert [p.returncode for p in checks] == [1, 1], [err for _, err in checked]  # findings
    assert [p.returncode for p in sessions] == [0, 0], [err for _, err in written]
    states = sorted(err.split(" in the ledger")[0].split(" ", 2)[-1] for _, err in checked)
    assert states == ["already recorded", "recorded"]

    counts = {
        name: tuple(map(int, out.split())) for name, (out, _) in zip(names, written, strict=True)
    }
    ledger = open_ledger(ledger_setting)
    with reading(ledger) as connection:
        kept = connection.execute(select(audit.c.who, audit.c.action)).all()
        assert len(connection.execute(select(runs.c.run_id)).all()) == 1
    for name in names:
        assert sum(1 for who, _ in kept if who == f"{name}@example.org") == counts[name][0]
    assert [action for _, action in kept].count("run_recorded") == 1
    entries = sum(c[0] for c in counts.values()) + 1
    made = sum(c[1] for c in counts.values())
    assert [(s.name, s.entries, s.broken) for s in audit_trail.verify(ledger)] == [
        ("audit trail", entries, None),
        ("decisions", made, None),
    ]
    verified = run_cli("ledger", "verify", env={"INSIGHT_LEDGER": ledger_setting})
    assert (verified.returncode, verified.stdout) == (
        0,
        f"intact ({entries} audit entries, {made} decisions)\n",
    )


def test_processes_opening_a_new_ledger_at_once_migrate_it_once(
    new_ledger_setting: str,
) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "INSIGHT_LEDGER": new_ledger_setting}
    # as every command that writes opens it: made and migrated by whichever comes first
    opening = "from insight_workbench.ledger.database import open_ledger; open_ledger()"
    opened = [start([sys.executable, "-c", opening], env) for _ in range(3)]
    said = [process.communicate(timeout=120) for process in opened]
    assert [p.returncode for p in opened] == [0, 0, 0], [err for _, err in said]
    assert said == [("", "")] * 3
    verified = run_cli("ledger", "verify", env={"INSIGHT_LEDGER": new_ledger_setting})
    assert (verified.returncode, verified.stdout) == (0, "intact (0 audit entries, 0 decisions)\n")
