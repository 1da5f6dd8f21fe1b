"""Progress: the library reports steps to a callback; the CLI draws a bar on a terminal only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill
import pytest
from cli_runner import on_a_terminal
from loader_checks import valid_snapshot

from insight_workbench.loading.schema import TABLES
from insight_workbench.loading.workspace import ingest
from insight_workbench.policy import load_policy
from insight_workbench.reports.progress_engine import ENGINE
from insight_workbench.rules import RULES
from insight_workbench.rules.runner import run_check
from insight_workbench.sample import WRITTEN, generate_sample

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "from insight_workbench.cli import main; main()"]

Calls = list[tuple[str, int, int]]


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("INSIGHT_CACHE_DIR", str(cache))
    return cache


def recorder() -> tuple[Calls, object]:
    calls: Calls = []

    def on_step(label: str, done: int, total: int) -> None:
        calls.append((label, done, total))

    return calls, on_step


def test_check_reports_each_rule_once(tmp_path: Path) -> None:
    _, snapshot = ingest(valid_snapshot(tmp_path / "s"))
    calls, on_step = recorder()
    result = run_check(snapshot, load_policy(), on_step=on_step)  # type: ignore[arg-type]
    codes = sorted(rule.code for rule in RULES)
    assert [rule.code for rule in result.rules] == codes
    assert calls == [(code, n, len(codes)) for n, code in enumerate(codes, 1)]


def test_a_chosen_rule_is_the_only_step(tmp_path: Path) -> None:
    _, snapshot = ingest(valid_snapshot(tmp_path / "s"))
    calls, on_step = recorder()
    run_check(snapshot, load_policy(), prefixes=["RET-001"], on_step=on_step)  # type: ignore[arg-type]
    assert calls == [("RET-001", 1, 1)]


def test_ingest_reports_each_table_once_and_nothing_on_reuse(tmp_path: Path) -> None:
    folder = valid_snapshot(tmp_path / "s")
    calls, on_step = recorder()
    ingest(folder, on_step=on_step)  # type: ignore[arg-type]
    assert calls == [(name, n, len(TABLES)) for n, name in enumerate(TABLES, 1)]
    again, on_reuse = recorder()
    ingest(folder, on_step=on_reuse)  # type: ignore[arg-type]
    assert again == []


def test_sample_reports_each_table_written(tmp_path: Path) -> None:
    calls, on_step = recorder()
    generate_sample(tmp_path / "sample", orgs=16, users=200, days=30, on_step=on_step)  # type: ignore[arg-type]
    assert [label for label, _, _ in calls] == list(WRITTEN)
    assert calls[-1][1:] == (len(WRITTEN), len(WRITTEN))
    for name in ("organisations", "users", "logins", "processors"):
        assert (tmp_path / "sample" / f"{name}.csv").is_file()


def test_a_notebook_reports_cell_n_of_m(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(f"x = {n}") for n in range(3)]
    source = tmp_path / "three.ipynb"
    nbformat.write(notebook, source)
    calls, on_step = recorder()
    papermill.execute_notebook(
        str(source),
        str(tmp_path / "out.ipynb"),
        kernel_name="python3",
        progress_bar=False,
        engine_name=ENGINE,
        on_step=on_step,
    )
    assert calls == [(f"cell {n} of 3", n, 3) for n in (1, 2, 3)]


def cli_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}


def run_on_terminal(args: list[str]) -> tuple[int, str]:
    """Run the CLI with stdout and stderr on a pseudo-terminal; what the terminal showed."""
    return on_a_terminal([*CLI, *args], cli_env())


def test_a_terminal_shows_the_progress(tmp_path: Path) -> None:
    code, shown = run_on_terminal(["check", str(valid_snapshot(tmp_path / "s"))])
    assert code in (0, 1)
    # Each phase's bar appears when its first step is reported (later ones may be redrawn
    # faster than the terminal refreshes).
    assert "Loading" in shown
    assert "Rules" in shown
    assert "checked as of" in shown


def test_the_large_sample_shows_its_progress_on_a_terminal(tmp_path: Path) -> None:
    code, shown = run_on_terminal(
        ["sample", "--preset", "large", "--scale", "0.01", "--out", str(tmp_path / "large")]
    )
    assert code == 0, shown
    assert "Writing" in shown
    assert "wrote sample snapshot to" in shown


def test_quiet_shows_no_progress_on_a_terminal(tmp_path: Path) -> None:
    code, shown = run_on_terminal(["check", "--quiet", str(valid_snapshot(tmp_path / "s"))])
    assert code in (0, 1)
    assert "Loading" not in shown
    assert "Rules" not in shown
    assert "checked as of" in shown  # the findings are still printed


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_piped_output_stays_clean(tmp_path: Path, fmt: str) -> None:
    folder = valid_snapshot(tmp_path / "s")
    done = subprocess.run(
        [*CLI, "check", str(folder), "--format", fmt],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr
    assert done.stderr == ""
    if fmt == "json":
        assert json.loads(done.stdout)["snapshot"]["snapshot_id"] == "s"
    else:
        assert done.stdout.startswith("rule,key,severity,due,message")
