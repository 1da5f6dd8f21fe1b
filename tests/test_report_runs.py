"""Report runs that cannot collide: simultaneous runs, a read-only notebooks folder, and
a run killed part-way (recorded as interrupted when runs are next listed)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from insight_workbench.reports.run_lock import RunLock
from insight_workbench.reports.run_records import new_run_folder, write_record
from insight_workbench.reports.runner import execute, prepare_run
from insight_workbench.reports.runs import list_runs, prune_runs
from insight_workbench.testing import build_snapshot

pytestmark = pytest.mark.slow  # started first: see tests/conftest.py

FIXTURES = Path(__file__).parent / "notebooks"
CLI = [sys.executable, "-c", "from insight_workbench.cli import main; main()"]


def report_command(notebook: Path, snapshot: Path, out: Path) -> list[str]:
    """The report command, without the PDF: no test here reads one."""
    command = [*CLI, "report", str(notebook), "--snapshot", str(snapshot), "--out", str(out)]
    return [*command, "--no-pdf"]


def listing(folder: Path) -> dict[str, int]:
    """Every name under `folder` with its modification time: any write shows."""
    return {str(p.relative_to(folder)): p.lstat().st_mtime_ns for p in [folder, *folder.rglob("*")]}


def copied_notebooks(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name in names:
        shutil.copy2(FIXTURES / name, folder / name)
    return folder


def test_runs_started_together_get_their_own_folders_and_kernels(
    sample_path: Path, tmp_path: Path
) -> None:
    notebooks = copied_notebooks(tmp_path, "echo.ipynb")
    before = listing(notebooks)
    out = tmp_path / "reports"
    command = report_command(notebooks / "echo.ipynb", sample_path, out)
    runs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    done = [(run.communicate(timeout=300), run.returncode) for run in runs]
    assert [code for _, code in done] == [0, 0, 0], [err for (_, err), _ in done]
    folders = sorted(p.parent for p in out.glob("echo/*/run.json"))
    assert len(folders) == 3
    for folder in folders:
        record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        assert record["status"] == "succeeded"
        results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
        assert Path(results["cwd"]) == folder  # each run works in its own folder
        left = sorted(p.name for p in folder.iterdir())
        assert left == [
            "echo.html",
            "echo.ipynb",
            "results.json",
            "run.json",
        ]  # no kernel sockets or connection file left behind, no lock
    assert listing(notebooks) == before


def read_only(folder: Path, command: list[str]) -> list[str]:
    """`command` run with `folder` read-only: a read-only bind mount in a private mount
    namespace when root (who may write anywhere), else the folder's mode."""
    if os.geteuid() == 0 and shutil.which("unshare"):
        script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
        return ["unshare", "-m", "sh", "-c", script, "sh", str(folder), *command]
    folder.chmod(0o555)
    return command


def test_a_read_only_notebooks_folder_is_only_read(sample_path: Path, tmp_path: Path) -> None:
    notebooks = copied_notebooks(tmp_path, "echo.ipynb")
    before = listing(notebooks)
    probe = subprocess.run(read_only(notebooks, ["touch", str(notebooks / "probe")]), check=False)
    if os.geteuid() != 0 or shutil.which("unshare"):
        assert probe.returncode != 0  # the folder really is read-only for the run
    out = tmp_path / "reports"
    command = read_only(notebooks, report_command(notebooks / "echo.ipynb", sample_path, out))
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    finally:
        notebooks.chmod(0o755)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("succeeded")
    assert listing(notebooks) == before


def wait_for(path_pattern: str, root: Path, seconds: float = 120) -> Path:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = sorted(root.glob(path_pattern))
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"nothing matched {path_pattern} in {seconds} s")


def test_a_killed_run_is_listed_as_interrupted(sample_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    command = report_command(FIXTURES / "sleepy.ipynb", sample_path, out)
    run = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        folder = wait_for("sleepy/*/started", out).parent  # the kernel is in the sleeping cell
        [alive] = list_runs(out)
        assert alive.status == "running"  # a live run is never marked interrupted
    finally:
        os.killpg(run.pid, signal.SIGKILL)  # the command and its kernel
        run.wait(timeout=30)
    [killed] = list_runs(out)
    assert killed.folder == folder
    assert killed.status == "failed"
    assert killed.record["error"]["ename"] == "interrupted"
    on_disk = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert on_disk["status"] == "failed"  # rewritten, not only shown so
    assert on_disk["error"]["ename"] == "interrupted"
    assert on_disk["start"] == killed.record["start"]


def running_record(root: Path, started: datetime) -> Path:
    folder = new_run_folder(root, "echo", started)
    write_record(
        folder,
        {"notebook": "echo", "start": started.strftime("%Y-%m-%dT%H:%M:%SZ"), "status": "running"},
    )
    return folder


def test_a_running_record_without_its_lock_is_interrupted(tmp_path: Path) -> None:
    running_record(tmp_path, datetime.now(UTC))  # as left by a run before runs held a lock
    [run] = list_runs(tmp_path)
    assert (run.status, run.record["error"]["ename"]) == ("failed", "interrupted")


def test_a_run_holding_its_lock_stays_running(tmp_path: Path) -> None:
    folder = running_record(tmp_path, datetime.now(UTC) - timedelta(days=40))
    lock = RunLock(folder)
    try:
        [run] = list_runs(tmp_path)
        assert run.status == "running"
        pruned = prune_runs(tmp_path, 30)
        assert pruned.removed == []
        assert [(s.path, s.reason) for s in pruned.skipped] == [(folder, "still running")]
    finally:
        lock.release()
    [run] = list_runs(tmp_path)
    assert run.status == "failed"
    assert prune_runs(tmp_path, 30).removed == [folder]


@pytest.mark.parametrize("status", ["succeeded", "failed"])
def test_a_finished_run_is_left_as_it_is(tmp_path: Path, status: str) -> None:
    folder = running_record(tmp_path, datetime.now(UTC))
    record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    write_record(folder, {**record, "status": status, "error": None})
    before = (folder / "run.json").read_bytes()
    [run] = list_runs(tmp_path)
    assert run.status == status
    assert (folder / "run.json").read_bytes() == before


def test_a_background_run_whose_kernel_writes_much_to_stderr_still_finishes(
    tmp_path: Path,
) -> None:
    """The app's "Run now" child: a kernel writing far more to its error stream than a
    pipe holds (a library's warnings) must not stall the run."""
    from insight_workbench.reports.background import start_run

    notebook = json.loads((FIXTURES / "echo.ipynb").read_text(encoding="utf-8"))
    noisy = "import os\nfor _ in range(20):\n    os.write(2, b'w' * 20_000 + b'\\n')\n"
    notebook["cells"].append(
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "noisy",
            "metadata": {},
            "outputs": [],
            "source": [noisy],
        }
    )
    path = tmp_path / "noisy.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    run = start_run(str(path), build_snapshot(tmp_path / "snap"), tmp_path / "out")
    deadline = time.monotonic() + 120
    while run.running and time.monotonic() < deadline:
        time.sleep(0.2)
    if run.running:
        run.process.kill()
    assert run.finish() == 0, run.errors[-300:]
    assert run.folder is not None
    assert json.loads((run.folder / "run.json").read_text())["status"] == "succeeded"


ORGANISATION = {
    "org_id": "O1",
    "name": "Council",
    "product": "local_insight",
    "status": "active",
    "created_at": "2025-01-01T00:00:00Z",
}


def replace_with_another_export(folder: Path, tmp_path: Path) -> None:
    """The folder now holds another export with the same snapshot id, as a folder of
    the latest export does once the next one is put in its place."""
    closed = {**ORGANISATION, "status": "closed", "closed_at": "2026-01-01T00:00:00Z"}
    other = build_snapshot(tmp_path / "next" / folder.name, {"organisations": [closed]})
    shutil.rmtree(folder)
    other.rename(folder)


def test_a_report_refuses_a_snapshot_replaced_after_its_run_started(tmp_path: Path) -> None:
    """run.json names the manifest read when the run started: a notebook that found
    another export in the folder would report on it under the first one's checksum."""
    latest = build_snapshot(tmp_path / "latest", {"organisations": [ORGANISATION]})
    prepared = prepare_run("retention_audit", latest)
    replace_with_another_export(latest, tmp_path)
    done = execute(prepared, tmp_path / "reports", pdf=False)
    assert done.record["status"] == "failed"
    assert done.record["snapshot"]["checksum"] == prepared.record["snapshot"]["checksum"]
    assert done.record["error"]["ename"] == "InputError"
    assert "holds another export than when the run started" in done.record["error"]["evalue"]
    assert "results" not in done.record["files"]  # no figures of the other export


def test_a_report_refuses_a_policy_file_edited_after_its_run_started(tmp_path: Path) -> None:
    """run.json records the policy settings read when the run started: a notebook that
    read the file after an edit would judge under other settings than those recorded."""
    snapshot = build_snapshot(tmp_path / "latest", {"organisations": [ORGANISATION]})
    policy = tmp_path / "policy.toml"
    policy.write_text("[retention]\nclosed_account_days = 28\n", encoding="utf-8")
    prepared = prepare_run("retention_audit", snapshot, parameters={"policy": str(policy)})
    policy.write_text("[retention]\nclosed_account_days = 90\n", encoding="utf-8")
    done = execute(prepared, tmp_path / "reports", pdf=False)
    assert done.record["status"] == "failed"
    assert done.record["policy"]["values"]["retention"]["closed_account_days"] == 28
    assert done.record["error"]["ename"] == "InputError"
    evalue = done.record["error"]["evalue"]
    assert evalue.startswith("policy.toml: the policy file holds other settings")
    assert "results" not in done.record["files"]


def test_paths_are_cut_to_their_last_part_and_web_addresses_kept() -> None:
    from insight_workbench.reports.run_records import without_paths

    text = "See https://ico.org.uk/for-organisations/guide; File /home/dpo/lib/x.py:7"
    assert without_paths(text) == "See https://ico.org.uk/for-organisations/guide; File x.py:7"
    # A folder named after a person, a space in it, in either traceback's form.
    assert without_paths("File /home/Jane Doe/proj/x.py:7, in f") == "File x.py:7, in f"
    quoted = 'File "/home/Jane Doe/proj/x.py", line 7, in f'
    assert without_paths(quoted) == 'File "x.py", line 7, in f'
