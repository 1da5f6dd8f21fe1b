"""`insight-workbench report` and `reports prune`, run as a user runs them: in-process
through the entry point, with one run of the installed console script."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nbformat
import pytest
from cli_runner import run_cli as cli
from cli_runner import run_script

from insight_workbench.reports.run_records import new_run_folder, write_record

pytestmark = pytest.mark.slow  # started first: see tests/conftest.py

FIXTURES = Path(__file__).parent / "notebooks"
NO_PDF = "--no-pdf"  # no test here reads a PDF (tests/test_report_outputs.py does)


def run_folders(out: Path) -> list[Path]:
    return sorted(p.parent for p in out.glob("*/*/run.json"))


@pytest.fixture(scope="module")
def failed(usage_path: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    out = tmp_path_factory.mktemp("failed")
    failing = FIXTURES / "failing.ipynb"
    done = run_script("report", failing, "--snapshot", usage_path, "--out", out, NO_PDF)
    return done, out


def test_a_failing_cell_exits_2_and_names_the_cell(failed: tuple) -> None:
    done, out = failed
    assert done.returncode == 2
    assert "failing failed at cell 3 (RuntimeError)" in done.stderr
    assert "Traceback" not in done.stderr
    record = json.loads((run_folders(out)[0] / "run.json").read_text())
    assert record["status"] == "failed"
    assert record["error"]["cell"] == 3
    assert record["error"]["ename"] == "RuntimeError"
    # A library's message may quote the data: run.json leaves it to the executed notebook.
    assert record["error"]["evalue"] is None
    assert "planted failure" not in (run_folders(out)[0] / "run.json").read_text()
    assert record["start"] <= record["end"]


def test_a_failing_run_keeps_the_partial_notebook(failed: tuple) -> None:
    _, out = failed
    folder = run_folders(out)[0]
    executed = nbformat.read(folder / "failing.ipynb", as_version=4)
    text = json.dumps(executed)
    assert "planted failure" in text  # the error is recorded in the notebook
    # The traceback names the library's files by their last part, never by the
    # machine's paths (the notebook and its HTML are kept and may be shared).
    report = (folder / "failing.html").read_text(encoding="utf-8")
    for kept in (text, report):
        assert "decoder.py" in kept
        assert "/json/" not in kept
    assert "never runs" not in [o.get("text") for c in executed.cells for o in c.get("outputs", [])]
    assert json.loads((folder / "results.json").read_text()) == {"reached": "before the failure"}
    assert (folder / "failing.html").is_file()


@pytest.fixture(scope="module")
def echoed(usage_path: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    out = tmp_path_factory.mktemp("echo")
    here = tmp_path_factory.mktemp("caller")  # relative paths are the caller's
    (here / "strict.toml").write_text("[retention]\nclosed_account_days = 14\n", encoding="utf-8")
    args = ["report", FIXTURES / "echo.ipynb", "--snapshot", usage_path, "--out", out, NO_PDF]
    first = cli(
        *args,
        "-p",
        "policy",
        "strict.toml",
        "--as-of",
        "2026-11-01",
        "-p",
        "label",
        "10",
        "-p",
        "count",
        "7",
        "-p",
        "items",
        '["a", "b"]',
        cwd=here,
    )
    # The second run is of a copy that names no kernel (as `nbformat.v4.new_notebook()`
    # writes one): it runs in the workbench's kernel all the same.
    bare = tmp_path_factory.mktemp("bare") / "echo.ipynb"
    notebook = json.loads((FIXTURES / "echo.ipynb").read_text(encoding="utf-8"))
    del notebook["metadata"]["kernelspec"], notebook["metadata"]["language_info"]
    bare.write_text(json.dumps(notebook), encoding="utf-8")
    second = cli("report", bare, "--snapshot", usage_path, "--out", out, NO_PDF)
    return first, second, out


def test_parameters_reach_the_notebook_with_their_types(echoed: tuple, usage_path: Path) -> None:
    first, _, out = echoed
    assert first.returncode == 0, first.stderr
    folder = run_folders(out)[0]
    results = json.loads((folder / "results.json").read_text())
    assert results["label"] == "10"
    assert results["count"] == 7
    assert results["items"] == ["a", "b"]
    assert results["as_of"] == "2026-11-01"
    assert Path(results["snapshot"]) == usage_path.resolve()
    assert Path(results["cwd"]) == folder  # runs in its own run folder, not the notebooks
    record = json.loads((folder / "run.json").read_text())
    assert record["status"] == "succeeded"
    assert record["error"] is None
    assert record["parameters"]["count"] == 7
    assert record["as_of"] == "2026-11-01T00:00:00Z"
    assert record["package_version"]
    assert str(folder) in first.stdout
    strict = results["policy"]
    assert Path(strict).is_absolute()  # the notebook, in its own folder, gets a full path
    assert strict.endswith("strict.toml")
    assert record["policy"]["path"] == "strict.toml"  # the record names no machine path
    assert record["parameters"]["snapshot"] == usage_path.name
    assert record["policy"]["values"]["retention"]["closed_account_days"] == 14


def test_the_kernel_starts_without_a_debugger(echoed: tuple) -> None:
    first, _, out = echoed
    assert first.returncode == 0, first.stderr
    results = json.loads((run_folders(out)[0] / "results.json").read_text())
    assert results["debugger_loaded"] is False
    assert results["debugpy_importable"] is True  # kept out only while the kernel starts


def test_two_runs_of_one_notebook_get_two_folders(echoed: tuple) -> None:
    _, second, out = echoed
    assert second.returncode == 0, second.stderr
    folders = run_folders(out)
    assert len(folders) == 2
    assert folders[0] != folders[1]
    assert {f.parent.name for f in folders} == {"echo"}
    assert all((f / "echo.ipynb").is_file() and (f / "echo.html").is_file() for f in folders)


def test_no_pdf_prints_none_and_records_why(echoed: tuple) -> None:
    first, second, out = echoed
    for folder in run_folders(out):
        record = json.loads((folder / "run.json").read_text())
        assert record["status"] == "succeeded"
        assert record["pdf"] == {"status": "skipped", "reason": "not requested"}
        assert "pdf" not in record["files"]
        assert not list(folder.glob("*.pdf"))
    assert "PDF" not in first.stderr + second.stderr  # asked for: no note about it


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-p", "nope", "1"], "-p nope: echo has no such parameter"),
        (["-p", "as_of", "2026-01-01"], "-p as_of: set it with --as-of, not -p"),
        (["-p", "results_path", "x"], "-p results_path: the run sets it, not -p"),
        (["-p", "label"], "-p: takes a parameter NAME and a VALUE"),
        # A value of another kind than the parameter's default: refused, never a failed cell.
        (["-p", "count", "abc"], "-p count: must be a whole number (its default is 1)"),
        (["-p", "count", "true"], "-p count: must be a whole number (its default is 1)"),
        (["-p", "count", '"7"'], "-p count: must be a whole number (its default is 1)"),
        (["-p", "count", "null"], "-p count: must be a whole number (its default is 1)"),
        # bytes of another encoding, as a Latin-1 terminal passes them on
        (["-p", "label", "\udcff\udcfe"], "-p label: not valid UTF-8"),
        (["-p", "\udce9", "1"], "-p \\udce9: not valid UTF-8"),
        (["--as-of", "soon"], "--as-of"),
        (["--progress-file", "{tmp}/missing/progress.txt"], "--progress-file: "),
        (["--progress-file", "/dev/full"], "--progress-file: /dev/full: not a regular file"),
    ],
)
def test_bad_options_are_refused_before_running(
    usage_path: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    args = [arg.format(tmp=tmp_path) for arg in args]
    done = cli(
        "report", FIXTURES / "echo.ipynb", "--snapshot", usage_path, "--out", tmp_path, *args
    )
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2]", "not a readable notebook"),
        ('{"cells": 3, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}', "not a readable"),
        ('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": "x"}', "not a readable"),
        ("no source", "not a valid notebook ('source' is a required property)"),
    ],
)
def test_a_notebook_not_in_the_notebook_format_is_refused_before_running(
    usage_path: Path, tmp_path: Path, content: str, message: str
) -> None:
    if content == "no source":
        notebook = json.loads((FIXTURES / "echo.ipynb").read_text(encoding="utf-8"))
        del notebook["cells"][-1]["source"]
        content = json.dumps(notebook)
    (tmp_path / "odd.ipynb").write_text(content, encoding="utf-8")
    out = tmp_path / "out"
    done = cli("report", tmp_path / "odd.ipynb", "--snapshot", usage_path, "--out", out)
    assert done.returncode == 2
    assert f"odd.ipynb: {message}" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()


def test_a_bad_snapshot_is_refused_before_running(tmp_path: Path) -> None:
    (tmp_path / "snap").mkdir()
    done = cli(
        "report", "retention_audit", "--snapshot", tmp_path / "snap", "--out", tmp_path / "out"
    )
    assert done.returncode == 2
    assert "manifest.json" in done.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args", [[], ["retention_audit", "--all"]])
def test_one_notebook_or_all(usage_path: Path, tmp_path: Path, args: list[str]) -> None:
    done = cli("report", *args, "--snapshot", usage_path, "--out", tmp_path)
    assert done.returncode == 2
    assert "give one NOTEBOOK or --all" in done.stderr


def test_all_refuses_a_parameter_no_notebook_has(usage_path: Path, tmp_path: Path) -> None:
    done = cli("report", "--all", "--snapshot", usage_path, "--out", tmp_path, "-p", "nope", "1")
    assert done.returncode == 2
    assert "no notebook of the monthly set" in done.stderr


def test_prune_prints_the_folders_it_removed(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    kept = new_run_folder(tmp_path, "access_review", now - timedelta(days=1))
    gone = new_run_folder(tmp_path, "access_review", now - timedelta(days=40))
    for folder, started in ((kept, now - timedelta(days=1)), (gone, now - timedelta(days=40))):
        write_record(folder, {"start": started.strftime("%Y-%m-%dT%H:%M:%SZ")})
    done = cli("reports", "prune", "--older-than", "30", "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [str(gone)]
    assert kept.exists()
    assert not gone.exists()
    assert done.stderr == ""


def test_prune_of_a_folder_holding_no_run_says_so(tmp_path: Path) -> None:
    """`--out` naming a notebook's folder (or a mistyped one) found no run: a scheduled
    prune that keeps every run must not pass for one that kept nothing old."""
    now = datetime.now(UTC)
    old = new_run_folder(tmp_path, "access_review", now - timedelta(days=40))
    write_record(old, {"start": (now - timedelta(days=40)).strftime("%Y-%m-%dT%H:%M:%SZ")})
    done = cli("reports", "prune", "--older-than", "30", "--out", tmp_path / "access_review")
    assert (done.returncode, done.stdout) == (0, "")
    assert "no run found in" in done.stderr
    assert old.exists()


def test_prune_needs_the_age(tmp_path: Path) -> None:
    done = cli("reports", "prune", "--out", tmp_path)
    assert done.returncode == 2
    assert "--older-than" in done.stderr


@pytest.mark.parametrize("key_file", [None, "missing.key"])
def test_the_usage_report_needs_the_key_before_running(
    usage_path: Path, tmp_path: Path, key_file: str | None
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INSIGHT_PSEUDONYM_KEY")}
    extra = ["-p", "pseudonym_key_file", str(tmp_path / key_file)] if key_file else []
    out = tmp_path / "out"
    done = cli("report", "usage_report", "--snapshot", usage_path, "--out", out, *extra, env=env)
    assert done.returncode == 2
    assert "key" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()


def test_relative_paths_are_the_callers(usage_path: Path, tmp_path: Path) -> None:
    """`--snapshot`, `--out` and `--progress-file` relative to the folder the command
    runs in, not to the folders where papermill runs the notebook."""
    shutil.copytree(usage_path, tmp_path / "exports" / "usage")
    done = cli(
        "report",
        FIXTURES / "echo.ipynb",
        "--snapshot",
        "exports/usage",
        "--out",
        "reports",
        "--progress-file",
        "progress.txt",
        NO_PDF,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    lines = (tmp_path / "progress.txt").read_text(encoding="utf-8").splitlines()
    assert lines[-1].split("\t")[0] == "echo"
    assert lines[-1].split("\t")[1] == lines[-1].split("\t")[2]  # every cell ran
    folder = run_folders(tmp_path / "reports")[0]
    assert not list(folder.glob("progress.txt"))
    results = json.loads((folder / "results.json").read_text())
    assert Path(results["snapshot"]) == (tmp_path / "exports" / "usage").resolve()
    assert str(folder.resolve()) in done.stdout


def run_key_notebook(
    usage_path: Path, folder: Path, key_file: str | None, *given: str
) -> subprocess.CompletedProcess[str]:
    """The key-reading notebook run from `folder` into `out`, the key file (if any) named
    by the environment and no key of the caller's environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INSIGHT_PSEUDONYM_KEY")}
    if key_file:
        env["INSIGHT_PSEUDONYM_KEY_FILE"] = key_file
    return run_from(folder, FIXTURES / "key.ipynb", usage_path, env, *given)


def run_from(
    folder: Path, notebook: Path | str, snapshot: Path, env: dict[str, str], *given: str
) -> subprocess.CompletedProcess[str]:
    """`notebook` on `snapshot`, run from `folder` into its relative `out`, no PDF."""
    return cli(
        "report",
        notebook,
        "--snapshot",
        snapshot,
        "--out",
        "out",
        NO_PDF,
        *given,
        env=env,
        cwd=folder,
    )


def test_a_relative_key_file_in_the_environment_reaches_the_notebook(
    usage_path: Path, tmp_path: Path
) -> None:
    (tmp_path / "pseudonym.key").write_text("k" * 32 + "\n", encoding="utf-8")
    done = run_key_notebook(usage_path, tmp_path, "pseudonym.key")
    assert done.returncode == 0, done.stderr
    folder = run_folders(tmp_path / "out")[0]
    assert json.loads((folder / "results.json").read_text()) == {"key_bytes": 32}


@pytest.mark.parametrize("prefix", ["", "~/"])
def test_relative_cache_spill_and_ledger_settings_are_the_callers(
    usage_path: Path, tmp_path: Path, prefix: str
) -> None:
    """The kernel runs in the run folder: relative settings read from there would build
    a second workspace of the snapshot (its personal data) inside the run, and open an
    empty ledger made there instead of the caller's. A leading `~` is the home folder
    for the kernel as for the command, not a folder named `~`."""
    notebook = json.loads((FIXTURES / "echo.ipynb").read_text(encoding="utf-8"))
    notebook["cells"][2]["source"] = [
        "from insight_workbench.ledger.database import ledger_setting, open_ledger\n",
        "from insight_workbench.loading.lockdown import cache_dir, settings_from_env\n",
        "from insight_workbench.loading.workspace import open_snapshot\n",
        "from insight_workbench.reports.results import write_results\n",
        "open_snapshot(snapshot).con.close()\n",
        "open_ledger().engine.dispose()\n",
        "write_results(results_path, {'cache': str(cache_dir()), 'ledger': ledger_setting(),\n",
        "    'spill': str(settings_from_env().temp_dir)})\n",
    ]
    (tmp_path / "settings.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "INSIGHT_CACHE_DIR": f"{prefix}cache",
        "INSIGHT_TEMP_DIR": f"{prefix}spill",
        "INSIGHT_LEDGER": f"{prefix}ledger.sqlite",
    }
    done = run_from(tmp_path, "settings.ipynb", usage_path, env)
    assert done.returncode == 0, done.stderr
    [folder] = run_folders(tmp_path / "out")
    base = home if prefix else tmp_path
    assert json.loads((folder / "results.json").read_text()) == {
        "cache": str(base / "cache"),
        "ledger": str(base / "ledger.sqlite"),
        "spill": str(base / "spill"),
    }
    assert (base / "ledger.sqlite").is_file()
    assert not any(p.name == "~" for p in tmp_path.rglob("~"))
    left = sorted(p.name for p in folder.iterdir())
    assert left == ["results.json", "run.json", "settings.html", "settings.ipynb"]


@pytest.mark.parametrize(
    ("error", "said"),
    [
        ({"cell": 5, "ename": "KeyError", "evalue": "x"}, "failed at cell 5 (KeyError)"),
        ({"cell": None, "ename": "DeadKernelError", "evalue": ""}, "failed at the kernel"),
        (
            {
                "cell": None,
                "ename": "ValueError",
                "evalue": "unreadable notebook",
                "stage": "report",
            },
            "failed at writing the report from the executed notebook (ValueError)",
        ),
        # The workbench's own refusal of a parameter's value, raised in the notebook:
        # its words, naming the option (they never quote a value).
        (
            {"cell": 5, "ename": "InputError", "evalue": "grain: must be one of day, week"},
            "usage_report: -p grain: must be one of day, week (the run stopped at cell 5;",
        ),
        (
            {"cell": 5, "ename": "InputError", "evalue": "days: must be at least 1"},
            "usage_report: -p days: must be at least 1 (the run stopped at cell 5;",
        ),
        (
            {"cell": 5, "ename": "InputError", "evalue": "users.csv: row 3: bad"},
            "usage_report: users.csv: row 3: bad (the run stopped at cell 5;",
        ),
        # set by --as-of, not -p: not named as an option -p could take
        (
            {"cell": 5, "ename": "InputError", "evalue": "as_of: not a date"},
            "usage_report: as_of: not a date (the run stopped at cell 5;",
        ),
    ],
)
def test_a_failure_names_where_it_happened(tmp_path: Path, error: dict, said: str) -> None:
    from insight_workbench.commands.report_cmd import _describe_failure
    from insight_workbench.reports.run_records import RunResult

    record = {
        "notebook": "usage_report",
        "status": "failed",
        "error": error,
        "parameters": {"grain": "year", "days": 90, "as_of": None},
    }
    assert said in _describe_failure(RunResult(tmp_path, record))


def fsync_failing_for(name: str, real_fsync: Callable[[int], None]) -> Callable[[int], None]:
    """os.fsync failing as on a full disk for a file being written in place of `name`."""

    def fsync(fd: int) -> None:
        if f".{name}." in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    return fsync


@pytest.mark.parametrize("name", ["echo.ipynb", "echo.html"])
def test_a_file_that_cannot_be_written_is_named_with_the_reason(
    usage_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setattr(os, "fsync", fsync_failing_for(name, os.fsync))
    out = tmp_path / "out"
    done = cli("report", FIXTURES / "echo.ipynb", "--snapshot", usage_path, "--out", out, NO_PDF)
    folder = run_folders(out)[0]
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: echo: cannot write {folder / name}: No space left")
    assert len(done.stderr.splitlines()) == 1
    record = json.loads((folder / "run.json").read_text())
    assert record["status"] == "failed"
    assert record["error"] == {
        "cell": None,
        "ename": "OSError",
        "evalue": f"cannot write {name}: No space left on device",
        "stage": "write",
        "file": name,
    }


def test_names_with_control_characters_are_escaped_and_recorded(
    usage_path: Path, tmp_path: Path
) -> None:
    """The error line named the notebook and the reports folder raw (an erase-line
    sequence reached the terminal), and a notebook so named ended in a traceback after
    its run: the audit trail refused its key."""
    failing = tmp_path / "fail\x1b[2Kx.ipynb"
    shutil.copyfile(FIXTURES / "failing.ipynb", failing)
    out = tmp_path / "rep\x1b[2Ky"
    done = cli("report", failing, "--snapshot", usage_path, "--out", out, NO_PDF)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "\x1b" not in done.stdout + done.stderr
    assert "error: fail\\x1b[2Kx failed at cell 3 (RuntimeError)" in done.stderr
    assert "rep\\x1b[2Ky" in done.stderr


@pytest.mark.parametrize(
    ("given", "env_file", "said"),
    [
        (["-p", "pseudonym_key_file", "missing.key"], None, "-p pseudonym_key_file (missing.key)"),
        ([], "missing.key", "INSIGHT_PSEUDONYM_KEY_FILE (missing.key)"),
    ],
)
def test_a_missing_key_file_is_named_by_the_option_that_gave_it(
    usage_path: Path, tmp_path: Path, given: list[str], env_file: str | None, said: str
) -> None:
    done = run_key_notebook(usage_path, tmp_path, env_file, *given)
    assert done.returncode == 2
    assert f"{said}: the key file does not exist" in done.stderr
    assert not (tmp_path / "out").exists()
