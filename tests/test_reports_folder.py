"""Listing and pruning stay inside the reports folder: symbolic links are never followed,
and a run.json naming a file outside its own run folder marks the run as damaged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from insight_workbench.dashboard.reports import runs_frame
from insight_workbench.reports.run_records import new_run_folder, write_record
from insight_workbench.reports.runs import list_runs, prune_runs, scan_runs

LONG_AGO = datetime.now(UTC) - timedelta(days=400)
LINK = "a symbolic link, not followed"
CLI = [sys.executable, "-c", "from insight_workbench.cli import main; main()"]


def write_run(root: Path, notebook: str = "echo", html: str = "echo.html") -> Path:
    folder = new_run_folder(root, notebook, LONG_AGO)
    record = {
        "notebook": notebook,
        "start": LONG_AGO.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status": "succeeded",
        "files": {"notebook": f"{notebook}.ipynb", "html": html},
    }
    write_record(folder, record)
    (folder / "echo.html").write_text("<html>report</html>", encoding="utf-8")
    return folder


def precious(tmp_path: Path) -> Path:
    """A folder outside the reports folder that must survive everything."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("kept", encoding="utf-8")
    return outside


def test_a_run_folder_that_is_a_link_is_skipped_never_pruned_through(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    real = write_run(reports)
    outside = precious(tmp_path)
    (outside / "run.json").write_text(real.joinpath("run.json").read_text(), encoding="utf-8")
    link = real.parent / "2020-01-01T000000Z"
    link.symlink_to(outside, target_is_directory=True)
    scan = scan_runs(reports)
    assert [r.folder for r in scan.runs] == [real]
    assert [(s.path, s.reason) for s in scan.skipped] == [(link, LINK)]
    pruned = prune_runs(reports, 30)
    assert pruned.removed == [real]
    assert [s.path for s in pruned.skipped] == [link]
    assert (outside / "keep.txt").read_text(encoding="utf-8") == "kept"
    assert (outside / "run.json").is_file()
    assert link.is_symlink()  # the link itself is reported, not removed


def test_a_notebook_folder_that_is_a_link_is_skipped(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    elsewhere = tmp_path / "elsewhere"
    run = write_run(elsewhere)  # a whole run, old enough to prune, behind the link
    (reports / "echo").symlink_to(elsewhere / "echo", target_is_directory=True)
    assert list_runs(reports) == []
    pruned = prune_runs(reports, 0)
    assert pruned.removed == []
    assert [s.path for s in pruned.skipped] == [reports / "echo"]
    assert (run / "run.json").is_file()
    assert (run / "echo.html").is_file()


def test_pruning_a_run_removes_its_links_not_their_targets(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    run = write_run(reports)
    outside = precious(tmp_path)
    (run / "data").symlink_to(outside, target_is_directory=True)
    (run / "note.txt").symlink_to(outside / "keep.txt")
    assert prune_runs(reports, 30).removed == [run]
    assert not run.exists()
    assert (outside / "keep.txt").read_text(encoding="utf-8") == "kept"


def test_a_run_json_that_is_a_link_is_not_read(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    outside_run = write_run(tmp_path / "elsewhere")
    folder = reports / "echo" / "2026-01-01T000000Z"
    folder.mkdir(parents=True)
    (folder / "run.json").symlink_to(outside_run / "run.json")
    scan = scan_runs(reports)
    assert scan.runs == []
    assert [s.path for s in scan.skipped] == [folder / "run.json"]
    assert prune_runs(reports, 0).removed == []
    assert (outside_run / "run.json").is_file()


@pytest.mark.parametrize("html", ["../../etc/passwd", "../../../outside/keep.txt", "/etc/passwd"])
def test_an_html_path_outside_the_run_folder_is_damaged(tmp_path: Path, html: str) -> None:
    reports = tmp_path / "reports"
    precious(tmp_path)
    write_run(reports, html=html)
    [run] = list_runs(reports)
    assert run.status == "damaged"
    assert run.problem == "run.json files.html: outside its run folder"
    assert run.html is None
    assert run.read_html() is None
    frame = runs_frame([run])
    assert list(frame["status"]) == ["damaged"]
    assert frame["html"].isna().all()


def test_an_html_file_linking_outside_is_damaged(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    outside = precious(tmp_path)
    folder = write_run(reports, html="report.html")
    (folder / "report.html").symlink_to(outside / "keep.txt")
    [run] = list_runs(reports)
    assert run.status == "damaged"
    assert run.read_html() is None


def test_a_digest_naming_a_file_outside_is_damaged(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    folder = write_run(reports)
    record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    write_record(folder, {**record, "sha256": {"../../../outside/keep.txt": "0" * 64}})
    [run] = list_runs(reports)
    assert run.problem == "run.json sha256.../../../outside/keep.txt: outside its run folder"


def test_a_sound_run_serves_its_html(tmp_path: Path) -> None:
    folder = write_run(tmp_path / "reports")
    [run] = list_runs(tmp_path / "reports")
    assert (run.status, run.problem) == ("succeeded", None)
    assert run.html == folder / "echo.html"
    assert run.read_html() == b"<html>report</html>"


def test_prune_names_what_it_skipped_on_stderr(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    outside = precious(tmp_path)
    (reports / "echo").symlink_to(outside, target_is_directory=True)
    done = subprocess.run(
        [*CLI, "reports", "prune", "--older-than", "0", "--out", str(reports)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert done.stderr.strip() == f"skipped {reports / 'echo'}: {LINK}"
    assert (outside / "keep.txt").is_file()


@pytest.mark.parametrize("days", [1_000_000, 10**21])
def test_a_period_longer_than_the_calendar_prunes_nothing(tmp_path: Path, days: int) -> None:
    """No run started before year 1: nothing to prune, not a traceback."""
    reports = tmp_path / "reports"
    run = write_run(reports)
    done = subprocess.run(
        [*CLI, "reports", "prune", "--older-than", str(days), "--out", str(reports)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert run.is_dir()


PROBE = """
import sys
from pathlib import Path
from insight_workbench.reports.runs import list_runs, scan_runs
from insight_workbench.reports.summary import previous_run

reports = Path(sys.argv[1])
scan = scan_runs(reports)
print(len(scan.runs), [s.path.name for s in scan.skipped])
print([run.read_html() for run in list_runs(reports)])
print(previous_run(reports / "echo" / "next" / "results.json"))
"""


def test_a_named_pipe_in_a_run_folder_is_never_waited_on(tmp_path: Path) -> None:
    """A run.json, results.json or report that is a named pipe (no writer): the listing,
    the Reports page's files and a report's "since the last run" skip it at once."""
    reports = tmp_path / "reports"
    piped = reports / "echo" / "2026-01-01T000000Z"
    piped.mkdir(parents=True)
    os.mkfifo(piped / "run.json")
    sound = write_run(reports)
    (sound / "echo.html").unlink()
    os.mkfifo(sound / "echo.html")
    os.mkfifo(sound / "results.json")
    (reports / "echo" / "next").mkdir()
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(reports)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["1 ['run.json']", "[None]", "None"]
