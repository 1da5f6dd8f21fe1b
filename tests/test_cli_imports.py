"""The command line starts light: building it and its help loads no heavy library.

Every `insight-workbench` call (cron, CI, a shell) pays for what `insight_workbench.cli`
imports; each command imports the library it uses when it runs. `check` on an ingested
workspace needs DuckDB only: its findings never pass through pandas, and Arrow and numpy
come in only with the de-identification rules' Python functions.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sar_people import JANE

from insight_workbench.loading.snapshot import Snapshot

pytestmark = pytest.mark.slow  # started first: see tests/conftest.py

HEAVY = (
    "pandas",
    "numpy",
    "pyarrow",
    "duckdb",
    "papermill",
    "nbformat",
    "nbconvert",
    "jupyter_client",
    "plotly",
    "streamlit",
)


def loaded_after(code: str) -> list[str]:
    """The heavy top-level packages a fresh interpreter holds after running `code`."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    modules = set(json.loads(done.stdout.splitlines()[-1]))
    return [name for name in HEAVY if name in modules]


def test_importing_the_cli_loads_no_heavy_library() -> None:
    assert loaded_after("import insight_workbench.cli") == []


@pytest.mark.parametrize("command", [[], ["report"], ["reports", "prune"], ["check"], ["sar"]])
def test_help_loads_no_heavy_library(command: list[str]) -> None:
    argv = ["insight-workbench", *command, "--help"]
    code = (
        "import sys\n"
        f"sys.argv = {argv!r}\n"
        "from insight_workbench.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as done:\n"
        "    assert done.code == 0, done.code\n"
    )
    assert loaded_after(code) == []


def test_a_command_still_loads_what_it_uses() -> None:
    """The probe can fail: a command that runs does load the library it needs."""
    code = (
        "import sys\n"
        "sys.argv = ['insight-workbench', 'manifest', '/nonexistent-folder']\n"
        "from insight_workbench.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as done:\n"
        "    assert done.code == 2, done.code\n"
    )
    assert "duckdb" in loaded_after(code)


def loaded_by_command(*argv: str, exit_codes: tuple[int, ...] = (0, 1)) -> list[str]:
    """The heavy packages a fresh interpreter holds after running the command `argv`."""
    code = (
        "import sys\n"
        f"sys.argv = {['insight-workbench', *argv]!r}\n"
        "from insight_workbench.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as done:\n"
        f"    assert done.code in {exit_codes!r}, done.code\n"
    )
    return loaded_after(code)


@pytest.mark.parametrize("output", ["table", "json", "csv"])
def test_check_loads_neither_pandas_nor_plotly(sample: Snapshot, output: str) -> None:
    """`sample` has ingested the snapshot: the command reopens its workspace."""
    found = loaded_by_command("check", str(sample.path), "--format", output, "--quiet")
    assert "duckdb" in found
    assert [name for name in found if name not in ("duckdb", "numpy", "pyarrow")] == []


@pytest.mark.parametrize("rule", ["RET-001", "ACC-003", "COM-001", "RET,SAR,COM,ACC,SEC,TPP,DQ"])
def test_check_of_a_rule_loads_duckdb_alone(sample: Snapshot, rule: str) -> None:
    found = loaded_by_command("check", str(sample.path), "--rule", rule, "--format", "json")
    assert found == ["duckdb"]


def test_opening_a_workspace_loads_duckdb_alone(sample: Snapshot) -> None:
    code = (
        "from insight_workbench.loading.workspace import open_snapshot\n"
        f"open_snapshot({str(sample.path)!r})\n"
    )
    assert loaded_after(code) == ["duckdb"]


def test_a_pack_by_user_id_loads_neither_numpy_nor_pyarrow(
    people: Snapshot, people_path: Path, tmp_path: Path
) -> None:
    """The subject-access pack of one person, from an ingested snapshot (`people` built
    its workspace), is written by DuckDB and the standard library: no data-frame or
    array library is loaded for it."""
    assert people.manifest.snapshot_id
    argv = ["sar", str(people_path), "--user-id", JANE, "--out", str(tmp_path / "pack")]
    found = loaded_by_command(*argv, exit_codes=(0,))
    assert found == ["duckdb"]
    assert (tmp_path / "pack" / "json" / "logins.json").is_file()


def test_the_report_runner_loads_no_data_library() -> None:
    """papermill's HDFS probe, which would load pyarrow and numpy, is skipped."""
    found = loaded_after("import insight_workbench.reports.runner")
    assert "papermill" in found
    assert "nbconvert" in found
    assert [name for name in found if name in ("pandas", "numpy", "pyarrow")] == []


def test_a_report_run_leaves_pandas_to_the_kernel(sample: Snapshot, tmp_path: Path) -> None:
    """The command line runs the notebook in a kernel, then exports and records it: a
    chart's printable copy is drawn without pandas (the rules it records may still
    bring in Arrow and numpy, as `check` does)."""
    out = tmp_path / "reports"
    argv = ["report", "retention_audit", "--snapshot", str(sample.path), "--out", str(out)]
    found = loaded_by_command(*argv, "--no-pdf", "--quiet", exit_codes=(0,))
    assert "papermill" in found  # it did run and export the report
    assert "plotly" in found
    assert "pandas" not in found
    html = next(out.glob("retention_audit/*/retention_audit.html")).read_text(encoding="utf-8")
    assert '<svg class="static-chart"' in html  # its charts' printable copies were drawn
