"""`insight-workbench usage` and `deidentify`: JSON contract, table, exit codes; in-process
through the entry point, with one run of the installed console script for each command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import run_cli, run_script

from insight_workbench.analyst.usage import headline_figures
from insight_workbench.deidentification.aggregates import DATASETS
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.timeutil import parse_timestamp

REQUIRED = ("users", "organisations", "active_users_30d", "logins_30d", "avg_users_per_active_org")


def run(*args: str) -> tuple[int, str, str]:
    done = run_cli(*args)
    return done.returncode, done.stdout, done.stderr


def test_usage_json(usage_path: Path, usage_snapshot: Snapshot):
    code, out, err = run("usage", str(usage_path), "--format", "json")
    assert (code, err) == (0, "")
    document = json.loads(out)
    figures = headline_figures(usage_snapshot)
    assert {k: document[k] for k in REQUIRED} == {k: figures[k] for k in REQUIRED}
    assert list(document["organisations"]) == ["demo", "trial", "active", "closed"]
    assert document["as_of"] == "2026-11-28T02:00:00Z"
    assert document["snapshot"]["exported_at"] == "2026-11-28T02:00:00Z"
    assert isinstance(document["avg_users_per_active_org"], float)
    assert document["active_users_30d"] > 0
    assert document["logins_30d"] > 0


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [("2026-11-01", "2026-11-01T00:00:00Z"), ("2026-11-01T12:30:00+01:00", "2026-11-01T11:30:00Z")],
)
def test_usage_as_of(usage_path: Path, usage_snapshot: Snapshot, as_of: str, expected: str):
    code, out, _ = run("usage", str(usage_path), "--as-of", as_of, "--format", "json")
    document = json.loads(out)
    assert code == 0
    assert document["as_of"] == expected
    figures = headline_figures(usage_snapshot, parse_timestamp(expected))
    assert document["active_users_30d"] == figures["active_users_30d"]


def test_usage_table(usage_path: Path, usage_snapshot: Snapshot):
    code, out, _ = run("usage", str(usage_path))
    figures = headline_figures(usage_snapshot)
    assert code == 0
    assert f"{figures['active_users_30d']}" in out
    assert "Organisations: demo" in out
    assert "Average users per active organisation" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "csv"], "--format"),
        (["--as-of", "yesterday"], "--as-of"),
    ],
)
def test_usage_bad_options_exit_2(usage_path: Path, args, message):
    code, _, err = run("usage", str(usage_path), *args)
    assert code == 2
    assert message in err


def test_usage_of_a_missing_snapshot_is_one_clear_line_from_the_console_script(tmp_path: Path):
    done = run_script("usage", tmp_path / "nowhere")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr


def test_deidentify_writes_datasets_from_the_console_script(usage_path: Path, tmp_path: Path):
    out = tmp_path / "released"
    done = run_script("deidentify", usage_path, "--out", out)
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"{d.name}{s}" for d in DATASETS for s in (".csv", ".meta.json"))
    assert done.stdout.count("wrote ") == len(names)


def test_deidentify_needs_out(usage_path: Path):
    code, _, err = run("deidentify", str(usage_path))
    assert code == 2
    assert "--out" in err


def test_commands_are_documented():
    for command in ("usage", "deidentify"):
        code, out, _ = run(command, "--help")
        assert code == 0
        assert "--as-of" in out
