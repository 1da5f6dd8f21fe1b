"""`reports verify` names every run it cannot check, only reads, and finds files added to
a run; `report` never writes a run through a linked notebook folder."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_runner import run_cli as cli

from insight_workbench.errors import InputError
from insight_workbench.reports import MONTHLY_SET
from insight_workbench.reports.run_lock import LOCK_FILE
from insight_workbench.reports.run_records import new_run_folder, write_record
from insight_workbench.reports.signing import KEY_VARIABLE

STARTED = datetime.now(UTC) - timedelta(days=3)
LINK = "a symbolic link, not followed"


def write_run(root: Path, notebook: str = "echo", status: str = "succeeded") -> Path:
    """A finished run: its report and a record holding the report's digest."""
    folder = new_run_folder(root, notebook, STARTED)
    html = folder / f"{notebook}.html"
    html.write_text("<html>report</html>", encoding="utf-8")
    record = {
        "notebook": notebook,
        "start": STARTED.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status": status,
        "files": {"html": html.name},
        "sha256": {html.name: hashlib.sha256(html.read_bytes()).hexdigest()},
    }
    write_record(folder, record)
    return folder


def verify(path: Path) -> subprocess.CompletedProcess[str]:
    done = cli("reports", "verify", path, env={**os.environ, KEY_VARIABLE: ""})
    assert "Traceback" not in done.stderr
    return done


def link_the_record(folder: Path, elsewhere: Path) -> None:
    elsewhere.mkdir()
    (folder / "run.json").rename(elsewhere / "run.json")
    (folder / "run.json").symlink_to(elsewhere / "run.json")


def link_the_folder(folder: Path, elsewhere: Path) -> None:
    folder.rename(elsewhere)
    folder.symlink_to(elsewhere, target_is_directory=True)


def delete_the_record(folder: Path, _elsewhere: Path) -> None:
    (folder / "run.json").unlink()


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (link_the_record, f"run.json is {LINK}"),
        (link_the_folder, LINK),
        (delete_the_record, "a folder with files but no run.json"),
    ],
)
def test_a_run_that_cannot_be_checked_is_named_never_left_out(
    tmp_path: Path, damage: Callable[[Path, Path], None], said: str
) -> None:
    reports = tmp_path / "reports"
    write_run(reports, "sound")
    damaged = write_run(reports)
    damage(damaged, tmp_path / "elsewhere")
    (reports / "echo" / "2020-01-01T000000Z").mkdir()  # empty: not a run, not a problem
    done = verify(reports)
    assert done.returncode == 1, done.stdout
    [problem, sound] = done.stdout.splitlines()
    assert problem == f"MISMATCH  {damaged}: {said}"
    assert sound.startswith("ok        ")  # the sound run is still checked


def stopped_run(reports: Path) -> tuple[Path, bytes]:
    """A run recorded as running whose process is gone (no lock held), and its record."""
    folder = write_run(reports, "other", status="running")
    record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    write_record(folder, {**record, "sha256": {}})  # digests come with the final record
    return folder, (folder / "run.json").read_bytes()


def test_verifying_one_run_reads_no_other_run(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    checked = write_run(reports)
    other, before = stopped_run(reports)
    done = verify(checked)
    assert done.returncode == 0, done.stdout
    assert done.stdout.startswith(f"ok        {checked}")
    assert (other / "run.json").read_bytes() == before


def test_verifying_a_reports_folder_writes_nothing(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    write_run(reports)
    stopped, before = stopped_run(reports)
    done = verify(reports)
    assert done.returncode == 1
    assert f"MISMATCH  {stopped}: the run did not finish (running)" in done.stdout
    assert (stopped / "run.json").read_bytes() == before


def test_a_file_added_to_a_run_is_a_mismatch(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    folder = write_run(reports)
    (folder / "echo-corrected.html").write_text("<h1>forged</h1>", encoding="utf-8")
    (folder / LOCK_FILE).touch()  # the runner's own: a run killed before it removed it
    for where in (folder, reports):
        done = verify(where)
        assert done.returncode == 1, done.stdout
        assert done.stdout.splitlines() == [
            f"MISMATCH  {folder}: echo-corrected.html: not listed in run.json"
        ]


def test_a_lock_file_holding_anything_in_a_finished_run_is_a_mismatch(tmp_path: Path) -> None:
    """The runner's lock is an empty file; one holding something was put there."""
    reports = tmp_path / "reports"
    folder = write_run(reports)
    (folder / LOCK_FILE).write_text("secret\n", encoding="utf-8")
    done = verify(folder)
    assert done.returncode == 1, done.stdout
    assert done.stdout.splitlines() == [f"MISMATCH  {folder}: {LOCK_FILE}: not listed in run.json"]


def test_names_in_the_reports_folder_are_shown_as_escapes(tmp_path: Path) -> None:
    """A file planted in a run, named with a carriage return and escape sequences, erased
    the MISMATCH line on a terminal and printed a forged "ok" line in its place."""
    reports = tmp_path / "reports"
    folder = write_run(reports)
    forged = "x\x1b[2K\rok        forged  (digests match; not signed)\x1b[8m"
    (folder / forged).write_text("", encoding="utf-8")
    done = verify(reports)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        f"MISMATCH  {folder}: x\\x1b[2K\\rok        forged  (digests match; not signed)"
        "\\x1b[8m: not listed in run.json"
    ]


def test_a_linked_notebook_folder_is_never_written_through(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    linked = tmp_path / "reports" / "echo"
    linked.parent.mkdir()
    linked.symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(InputError, match="echo: a symbolic link"):
        new_run_folder(tmp_path / "reports", "echo", STARTED)
    assert list(elsewhere.iterdir()) == []


def test_report_refuses_a_linked_notebook_folder_before_any_notebook_runs(
    sample_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "reports"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out.mkdir()
    (out / MONTHLY_SET[-1]).symlink_to(elsewhere, target_is_directory=True)
    env = {**os.environ, "INSIGHT_PSEUDONYM_KEY": "verify-tests-pseudonym-key-0123456789abcdef"}
    done = cli("report", "--all", "--snapshot", sample_path, "--out", out, "--no-pdf", env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip() == (
        f"error: {out / MONTHLY_SET[-1]}: a symbolic link; runs are written only inside --out"
    )
    assert [p.name for p in out.iterdir()] == [MONTHLY_SET[-1]]
    assert list(elsewhere.iterdir()) == []
    shutil.rmtree(out)


def test_a_file_a_notebook_wrote_in_its_run_folder_is_covered_not_added(tmp_path: Path) -> None:
    """A notebook runs in its run folder and may leave a file there: the record's digests
    cover it, so verify checks it rather than calling it added; the lock stays out."""
    from insight_workbench.reports.run_records import left_digests

    folder = write_run(tmp_path / "reports")
    (folder / "notes.txt").write_text("written by a cell", encoding="utf-8")
    (folder / "figures").mkdir()
    (folder / "figures" / "a.csv").write_text("x\n1\n", encoding="utf-8")
    (folder / LOCK_FILE).write_text("", encoding="utf-8")
    record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    record["sha256"] = left_digests(folder, record["files"].values())
    assert set(record["sha256"]) == {"echo.html", "notes.txt", "figures/a.csv"}
    write_record(folder, record)
    (folder / LOCK_FILE).unlink()
    assert cli("reports", "verify", folder.parent.parent).returncode == 0
    (folder / "figures" / "a.csv").write_text("changed later", encoding="utf-8")
    done = cli("reports", "verify", folder.parent.parent)
    assert (done.returncode, "figures/a.csv: differs" in done.stdout) == (1, True)
