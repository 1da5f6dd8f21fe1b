"""`insight-workbench usage` and `deidentify`: JSON contract, table, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from insight_workbench import cli
from insight_workbench.analyst.usage import headline_figures
from insight_workbench.deidentification.aggregates import DATASETS
from insight_workbench.loading.snapshot import load_snapshot
from insight_workbench.timeutil import parse_timestamp

SCRIPT = Path(sys.executable).parent / "insight-workbench"
REQUIRED = ("users", "organisations", "active_users_30d", "logins_30d", "avg_users_per_active_org")


def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, *args: str):
    """Run the CLI in-process through `cli.main`, as the console script does."""
    monkeypatch.setattr(sys, "argv", ["insight-workbench", *args])
    with pytest.raises(SystemExit) as done:
        cli.main()
    captured = capsys.readouterr()
    return done.value.code, captured.out, captured.err


def test_usage_json(monkeypatch, capsys, usage_path: Path):
    code, out, err = run(monkeypatch, capsys, "usage", str(usage_path), "--format", "json")
    assert (code, err) == (0, "")
    document = json.loads(out)
    figures = headline_figures(load_snapshot(usage_path))
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
def test_usage_as_of(monkeypatch, capsys, usage_path: Path, as_of: str, expected: str):
    code, out, _ = run(
        monkeypatch, capsys, "usage", str(usage_path), "--as-of", as_of, "--format", "json"
    )
    document = json.loads(out)
    assert code == 0
    assert document["as_of"] == expected
    figures = headline_figures(load_snapshot(usage_path), parse_timestamp(expected))
    assert document["active_users_30d"] == figures["active_users_30d"]


def test_usage_table(monkeypatch, capsys, usage_path: Path):
    code, out, _ = run(monkeypatch, capsys, "usage", str(usage_path))
    figures = headline_figures(load_snapshot(usage_path))
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
def test_usage_bad_options_exit_2(monkeypatch, capsys, usage_path: Path, args, message):
    code, _, err = run(monkeypatch, capsys, "usage", str(usage_path), *args)
    assert code == 2
    assert message in err


def test_usage_of_a_missing_snapshot_is_one_clear_line(tmp_path: Path):
    done = subprocess.run(
        [str(SCRIPT), "usage", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr


def test_deidentify_writes_datasets(monkeypatch, capsys, usage_path: Path, tmp_path: Path):
    out = tmp_path / "released"
    code, printed, _ = run(monkeypatch, capsys, "deidentify", str(usage_path), "--out", str(out))
    assert code == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"{d.name}{s}" for d in DATASETS for s in (".csv", ".meta.json"))
    assert printed.count("wrote ") == len(names)


def test_deidentify_needs_out(monkeypatch, capsys, usage_path: Path):
    code, _, err = run(monkeypatch, capsys, "deidentify", str(usage_path))
    assert code == 2
    assert "--out" in err


def test_commands_are_documented(monkeypatch, capsys):
    for command in ("usage", "deidentify"):
        code, out, _ = run(monkeypatch, capsys, command, "--help")
        assert code == 0
        assert "--as-of" in out
