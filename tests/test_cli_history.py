"""`history`: the life of each finding over the recorded runs, as JSON and as a table."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_runner import run_cli, run_script
from ledger_maker import LedgerMaker, recorded_copy
from lifecycle_snapshots import E1, E2, E3, E4, E5, RECORDING_ORDER, record
from sqlalchemy import text

from insight_workbench.ledger.database import open_ledger

DPO = "dpo@example.org"


@pytest.fixture(params=["sqlite", "postgresql"])
def env(
    request: pytest.FixtureRequest, ledgers: LedgerMaker, tmp_path: Path, lifecycle_results: dict
) -> Iterator[dict[str, str]]:
    """The environment of a command line using a ledger of five recorded runs (recorded
    once per backend, then copied: each test changes only its own copy)."""

    def five_runs(setting: str) -> None:
        record(setting, lifecycle_results, (E5, *RECORDING_ORDER))

    # One copy: the loop's end, after the test, closes the ledger's connections.
    for setting in recorded_copy(request, ledgers, tmp_path, "lifecycle-five", five_runs):
        yield {"INSIGHT_LEDGER": setting, "INSIGHT_USER": DPO}


def history(env: dict[str, str], *args: str) -> dict:
    done = run_cli("history", "--format", "json", *args, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return json.loads(done.stdout)


def test_the_json_document_is_the_contract(env: dict[str, str]) -> None:
    assigned = run_cli(
        "decide", "processor:P4", "--rule", "TPP-001", "--assign", "Vendor team", env=env
    )
    assert assigned.returncode == 0, assigned.stderr
    document = history(env, "--key", "processor:P4")
    assert list(document) == ["runs", "findings"]
    assert [list(run) for run in document["runs"]] == [
        ["run_id", "snapshot_id", "exported_at", "as_of", "findings"]
    ] * 5
    assert [(r["exported_at"], r["as_of"], r["findings"]) for r in document["runs"]] == [
        (E1, E1, 2),
        (E2, E2, 3),
        (E3, E3, 2),
        (E4, E4, 3),
        (E5, E5, 1),
    ]
    assert all(len(run["run_id"]) == 64 for run in document["runs"])
    [finding] = document["findings"]
    decision = finding.pop("decisions")
    assert finding == {
        "rule": "TPP-001",
        "key": "processor:P4",
        "state": "open",
        "first_seen": E2,
        "last_seen": E4,
        "resolved_in": None,
        "runs_seen": 3,
        "exception": None,
    }
    [assign] = decision
    assert assign.pop("at").endswith("Z")
    assert assign == {
        "action": "assign",
        "by": DPO,
        "owner": "Vendor team",
        "note": None,
        "basis": None,
        "approver": None,
        "until": None,
    }


def test_every_finding_in_rule_then_key_order(env: dict[str, str]) -> None:
    document = history(env)
    assert [(f["rule"], f["key"], f["state"], f["resolved_in"]) for f in document["findings"]] == [
        ("RET-004", "user:U8", "new", None),
        ("RET-004", "user:U9", "resolved", E4),
        ("TPP-001", "processor:P1", "reopened", None),
        ("TPP-001", "processor:P4", "open", None),
        ("TPP-001", "processor:P5", "new", None),
    ]
    assert [f["key"] for f in history(env, "--rule", "RET")["findings"]] == ["user:U8", "user:U9"]
    assert history(env, "--rule", "ACC")["findings"] == []


def test_the_table_lists_the_runs_then_the_findings(env: dict[str, str]) -> None:
    done = run_cli("history", "--rule", "TPP", env=env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "5 recorded runs, in order of export"
    assert lines[2].split() == ["exported_at", "as_of", "snapshot", "findings"]
    assert lines[3].split() == [E1, E1, "2026-01-05", "2"]
    assert "3 findings: 1 new, 1 open, 1 reopened" in lines
    p1 = next(line for line in lines if "processor:P1" in line)
    assert p1.split() == ["TPP-001", "processor:P1", "reopened", E1, E4, "3", "-", "-", "-", "0"]


def test_an_empty_ledger_says_how_to_record_a_run(ledger_setting: str) -> None:
    done = run_cli("history", env={"INSIGHT_LEDGER": ledger_setting})
    assert done.returncode == 0, done.stderr
    assert "No runs are recorded" in done.stdout
    assert "check SNAPSHOT --record" in done.stdout
    empty = run_cli("history", "--format", "json", env={"INSIGHT_LEDGER": ledger_setting})
    assert json.loads(empty.stdout) == {"runs": [], "findings": []}


def test_a_ledger_file_not_there_reads_as_empty_and_is_not_made(tmp_path: Path) -> None:
    """A mistyped path must not leave a new, empty ledger for `ledger verify` to pass."""
    setting = {"INSIGHT_LEDGER": str(tmp_path / "mistyped.sqlite")}
    done = run_cli("history", "--format", "json", env=setting)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"runs": [], "findings": []}
    evidence = run_cli("evidence", "--out", str(tmp_path / "evidence"), env=setting)
    assert evidence.returncode == 0, evidence.stderr
    assert "No runs are recorded yet" in evidence.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evidence"]
    assert run_cli("ledger", "verify", env=setting).returncode == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "csv"], "--format csv"),
        (["--rule", " "], "--rule: an empty"),
        (["--rule", "RET-01"], "--rule RET-01: no rule code starts with it"),
        (["--rule", "RET,SAR"], "--rule RET,SAR: no rule code starts with it"),
    ],
)
def test_bad_options_are_exit_2(ledger_setting: str, args: list[str], message: str) -> None:
    done = run_cli("history", *args, env={"INSIGHT_LEDGER": ledger_setting})
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_a_retired_rules_findings_are_still_shown_by_its_code(env: dict[str, str]) -> None:
    """A rule an earlier version had (its findings recorded as `OLD-004`) is no code of
    this one: its recorded findings are still the DPO's to read by that code."""
    with open_ledger(env["INSIGHT_LEDGER"]).engine.begin() as connection:
        connection.execute(
            text("UPDATE ledger_findings SET rule = 'OLD-004' WHERE rule = 'RET-004'")
        )
        connection.execute(
            text("UPDATE ledger_runs SET rules = replace(rules, 'RET-004', 'OLD-004')")
        )
    found = history(env, "--rule", "old")["findings"]
    assert [(f["rule"], f["key"], f["state"]) for f in found] == [
        ("OLD-004", "user:U8", "new"),
        ("OLD-004", "user:U9", "resolved"),
    ]
    refused = run_cli("history", "--rule", "OLD-005", env=env)
    assert refused.returncode == 2
    assert "--rule OLD-005: no rule code starts with it" in refused.stderr


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_runs SET exported_at = 'garbage'",
        "UPDATE ledger_runs SET as_of = '2026-13-45T00:00:00.000000Z'",
        "UPDATE ledger_decisions SET until = 'never'",
        "UPDATE ledger_decisions SET at = 'garbage'",
        "UPDATE ledger_runs SET rules = 'nope'",
        "UPDATE ledger_runs SET rules = '5'",
        """UPDATE ledger_runs SET rules = '"RET-001"'""",  # a text, not a list of them
    ],
)
def test_a_value_changed_outside_the_workbench_is_exit_2_not_a_crash(
    env: dict[str, str], statement: str
) -> None:
    excepted = run_cli(
        "decide", "processor:P4", "--rule", "TPP-001", "--except", "--basis", "Contract",
        "--approver", "Board", "--until", "2099-01-01", env=env,
    )  # fmt: skip
    assert excepted.returncode == 0, excepted.stderr
    with open_ledger(env["INSIGHT_LEDGER"]).engine.begin() as connection:
        connection.execute(text(statement))
    for output in ("table", "json"):
        done = run_cli("history", "--format", output, env=env)
        assert (done.returncode, done.stdout) == (2, "")
        assert "the ledger (INSIGHT_LEDGER) holds a" in done.stderr
        assert "changed outside the workbench" in done.stderr
        assert "Traceback" not in done.stderr
        assert "garbage" not in done.stderr


def test_a_time_written_by_an_earlier_version_sorts_in_its_place(env: dict[str, str]) -> None:
    """Earlier versions wrote a year before 1000 without its leading zeros ("999-..."):
    such a run is the oldest, not the newest its text would make it."""
    with open_ledger(env["INSIGHT_LEDGER"]).engine.begin() as connection:
        connection.execute(
            text("UPDATE ledger_runs SET exported_at = '999-06-01T02:00:00.000000Z' "
                 "WHERE exported_at LIKE '2026-05-05%'")
        )  # fmt: skip
    runs = history(env)["runs"]
    assert [r["exported_at"] for r in runs] == ["0999-06-01T02:00:00Z", E1, E2, E3, E4]


def test_the_installed_command(env: dict[str, str]) -> None:
    done = run_script("history", "--key", "user:U9", "--format", "json", env={**os.environ, **env})
    assert done.returncode == 0, done.stderr
    assert [f["state"] for f in json.loads(done.stdout)["findings"]] == ["resolved"]
