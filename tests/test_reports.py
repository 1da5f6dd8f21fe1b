"""The reports library: finding notebooks, their parameters, run folders, pruning."""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nbformat
import pytest
import zmq

from insight_workbench.commands.report_cmd import join_pairs
from insight_workbench.errors import InputError
from insight_workbench.reports import MONTHLY_SET, available_notebooks, find_notebook, list_runs
from insight_workbench.reports.notebooks import Parameter, check_parameters, parse_value
from insight_workbench.reports.results import read_results, write_results
from insight_workbench.reports.run_kernel import without_debugger
from insight_workbench.reports.run_records import new_run_folder, write_record
from insight_workbench.reports.runner import prepare_run
from insight_workbench.reports.runs import prune_runs

FIXTURES = Path(__file__).parent / "notebooks"
NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)


def test_a_bare_name_finds_the_notebook_in_notebooks() -> None:
    found = find_notebook("retention_audit")
    assert found.name == "retention_audit"
    assert found.path.parent.name == "notebooks"
    assert {"snapshot", "as_of", "policy", "results_path"} <= set(found.parameters)


def test_a_path_finds_a_notebook_anywhere() -> None:
    found = find_notebook(FIXTURES / "echo.ipynb")
    assert found.name == "echo"
    assert list(found.parameters) == [
        "snapshot",
        "as_of",
        "policy",
        "label",
        "count",
        "items",
        "results_path",
    ]


@pytest.mark.parametrize("name", ["no_such_report", "tests/notebooks/missing.ipynb"])
def test_an_unknown_notebook_is_refused(name: str) -> None:
    with pytest.raises(InputError, match="no such notebook"):
        find_notebook(name)


@pytest.mark.parametrize("name", ["...ipynb", "..ipynb"])
def test_a_notebook_named_with_dots_only_is_refused(tmp_path: Path, name: str) -> None:
    """Its runs' folder, `DIR/<name>/`, would be `DIR/..` or `DIR/.`: outside `--out`, or
    mixed with the notebooks' folders, where neither verify nor prune looks."""
    notebook = tmp_path / name
    shutil.copy(FIXTURES / "echo.ipynb", notebook)
    with pytest.raises(InputError, match="a notebook's name must hold more than dots"):
        find_notebook(notebook)


def test_the_monthly_set_is_there() -> None:
    assert set(MONTHLY_SET) <= set(available_notebooks())


@pytest.mark.parametrize("tags", [[], [["parameters"], ["parameters"]]])
def test_a_notebook_needs_exactly_one_parameters_cell(tmp_path: Path, tags: list) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("x = 1") for _ in tags or [None]]
    for cell, cell_tags in zip(notebook.cells, tags, strict=False):
        cell.metadata["tags"] = cell_tags
    path = tmp_path / "bad.ipynb"
    nbformat.write(notebook, path)
    with pytest.raises(InputError, match="exactly one cell tagged 'parameters'"):
        find_notebook(path)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"nope": "1"}, "echo has no such parameter"),
        ({"snapshot": "x"}, "set it with --snapshot"),
        ({"as_of": "2026-01-01"}, "set it with --as-of"),
        ({"results_path": "x"}, "the run sets it, not -p"),
    ],
)
def test_unknown_or_reserved_parameters_are_refused(given: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        check_parameters(find_notebook(FIXTURES / "echo.ipynb"), given)


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("label", "10", "10"),  # a text parameter stays text
        ("label", "None", "None"),  # the word: a text parameter takes no None
        ("label", "null", "null"),
        ("count", "10", 10),
        ("count", "1e3", 1000),  # a whole number however written
        ("count", "30.0", 30),
        ("items", '["a", "b"]', ["a", "b"]),
        ("policy", "my policy.toml", "my policy.toml"),
        ("policy", "2026", "2026"),  # a path parameter stays text, whatever it looks like
        ("policy", "true", "true"),
        ("policy", "null", None),
    ],
)
def test_parameter_values_take_the_parameters_type(name: str, text: str, value: object) -> None:
    parameters = find_notebook(FIXTURES / "echo.ipynb").parameters
    got = parse_value(name, parameters[name], text)
    assert got == value
    assert type(got) is type(value)


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "[1, NaN]", "1e999", "-1e400"])
def test_nan_and_the_infinities_are_refused_naming_the_parameter(text: str) -> None:
    parameters = find_notebook(FIXTURES / "echo.ipynb").parameters
    with pytest.raises(InputError, match=r"^-p count: .* is not a value a run's record can hold"):
        parse_value("count", parameters["count"], text)


@pytest.mark.parametrize(
    ("default", "text", "said"),
    [
        ("False", "1", "true or false"),
        ("False", "yes", "true or false"),
        ("False", "null", "true or false"),  # the cell would fail on None
        ("0.5", "true", "a number"),
        ("0.5", "None", "a number"),
        ("30", "thirty", "a whole number"),
        ("30", "1.5", "a whole number"),
        ("30", "null", "a whole number"),
        ("30", "1e300", "a whole number"),  # as a float: not the number typed
    ],
)
def test_a_value_of_another_kind_than_the_default_is_refused(
    default: str, text: str, said: str
) -> None:
    parameter = Parameter("x", "None", default, "")
    with pytest.raises(InputError, match=rf"^-p x: must be {said} \(its default is {default}\)$"):
        parse_value("x", parameter, text)
    anything = Parameter("x", "None", "None", "")
    assert parse_value("x", anything, text) == parse_value("x", None, text)


@pytest.mark.parametrize(
    ("default", "text", "value"),
    [("False", "True", True), ("True", "false", False), ("0.5", "2", 2), ("0.5", "2.5", 2.5)],
)
def test_a_value_of_the_defaults_kind_is_taken(default: str, text: str, value: object) -> None:
    got = parse_value("x", Parameter("x", "None", default, ""), text)
    assert got == value
    assert type(got) is type(value)


def test_a_number_too_long_to_read_is_refused_naming_the_parameter() -> None:
    parameters = find_notebook(FIXTURES / "echo.ipynb").parameters
    with pytest.raises(InputError, match=r"^-p count: a number too long to read$"):
        parse_value("count", parameters["count"], "9" * 5000)


@pytest.mark.parametrize(
    ("args", "joined"),
    [
        (["x", "-p", "a", "1"], ["x", "-p", "a=1"]),
        (["-p", "a", "x=y", "--parameter", "b", "2"], ["-p", "a=x=y", "--parameter", "b=2"]),
        (["--", "-p", "a", "1"], ["--", "-p", "a", "1"]),
    ],
)
def test_p_takes_a_name_and_a_value(args: list[str], joined: list[str]) -> None:
    assert join_pairs(args) == joined


@pytest.mark.parametrize("args", [["-p"], ["-p", "a"], ["-p", "a=b", "1"]])
def test_p_without_two_values_is_refused(args: list[str]) -> None:
    with pytest.raises(InputError, match="takes a parameter NAME and a VALUE"):
        join_pairs(args)


def test_run_folders_are_never_reused(tmp_path: Path) -> None:
    folders = [new_run_folder(tmp_path, "retention_audit", NOW) for _ in range(3)]
    assert [f.name for f in folders] == [
        "2026-11-29T060000Z",
        "2026-11-29T060000Z-2",
        "2026-11-29T060000Z-3",
    ]
    assert all(f.parent == tmp_path / "retention_audit" for f in folders)


def test_run_folders_are_their_owner_s_alone_whatever_the_umask(tmp_path: Path) -> None:
    """Their files were 0600, but the folders followed the umask (0777 under 000): others
    could add, rename or remove files of a finished run."""
    before = os.umask(0)
    try:
        folder = new_run_folder(tmp_path / "reports", "retention_audit", NOW)
    finally:
        os.umask(before)
    for made in (folder, folder.parent):
        assert stat.S_IMODE(made.stat().st_mode) == 0o700, made.name


def test_an_out_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "reports").write_text("not a folder", encoding="utf-8")
    with pytest.raises(InputError, match="--out"):
        new_run_folder(tmp_path / "reports", "retention_audit", NOW)


def test_a_bad_snapshot_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a snapshot folder"):
        prepare_run("retention_audit", tmp_path / "missing")


def test_a_bad_as_of_is_refused(usage_path: Path) -> None:
    with pytest.raises(InputError, match="--as-of"):
        prepare_run(FIXTURES / "echo.ipynb", usage_path, as_of="yesterday")


def test_a_bad_policy_is_refused(usage_path: Path, tmp_path: Path) -> None:
    bad = tmp_path / "policy.toml"
    bad.write_text("[retention]\nclosed_account_days = -1\n", encoding="utf-8")
    with pytest.raises(InputError, match="closed_account_days"):
        prepare_run(FIXTURES / "echo.ipynb", usage_path, parameters={"policy": str(bad)})


def test_prepare_records_the_snapshot_policy_and_as_of(usage_path: Path) -> None:
    prepared = prepare_run(FIXTURES / "echo.ipynb", usage_path, as_of="2026-11-01")
    record = prepared.record
    assert record["notebook"] == "echo"
    assert record["as_of"] == "2026-11-01T00:00:00Z"
    assert record["snapshot"]["snapshot_id"] == "usage"
    assert len(record["snapshot"]["checksum"]) == 64
    assert record["policy"]["path"] is None
    assert record["policy"]["values"]["retention"]["closed_account_days"] == 28
    assert Path(prepared.parameters["snapshot"]).is_absolute()


def _run(root: Path, notebook: str, started: datetime, status: str = "succeeded") -> Path:
    folder = new_run_folder(root, notebook, started)
    write_record(
        folder,
        {
            "notebook": notebook,
            "start": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "status": status,
            "files": {"html": f"{notebook}.html"},
        },
    )
    (folder / f"{notebook}.html").write_text("<html></html>", encoding="utf-8")
    return folder


PYTHON = "/venv/bin/python"
LAUNCHER = "insight_workbench.reports.kernel_launcher"
SIBLING = "/venv/bin/python3"  # the same environment


@pytest.mark.parametrize(
    ("command", "started"),
    [
        (
            [PYTHON, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "k.json"],
            [PYTHON, "-m", LAUNCHER, "-f", "k.json"],
        ),
        (
            [PYTHON, "-m", "ipykernel_launcher", "-f", "k.json"],
            [PYTHON, "-m", LAUNCHER, "-f", "k.json"],
        ),
        (  # the kernel spec's `python` beside the `python3` running the command
            [SIBLING, "-m", "ipykernel_launcher", "-f", "k.json"],
            [SIBLING, "-m", LAUNCHER, "-f", "k.json"],
        ),
        (
            ["/other/bin/python", "-m", "ipykernel_launcher", "-f", "k.json"],
            ["/other/bin/python", "-m", "ipykernel_launcher", "-f", "k.json"],
        ),
        (
            [PYTHON, "-m", "other_kernel", "-f", "k.json"],
            [PYTHON, "-m", "other_kernel", "-f", "k.json"],
        ),
        (["R", "--slave", "-f", "k.json"], ["R", "--slave", "-f", "k.json"]),
    ],
)
def test_only_this_python_s_ipykernel_starts_through_the_launcher(
    command: list[str], started: list[str]
) -> None:
    assert without_debugger(command, PYTHON) == started


def test_prune_removes_only_runs_older_than_the_limit(tmp_path: Path) -> None:
    old = _run(tmp_path, "retention_audit", NOW - timedelta(days=31))
    old_other = _run(tmp_path, "access_review", NOW - timedelta(days=90), "failed")
    recent = _run(tmp_path, "retention_audit", NOW - timedelta(days=29))
    edge = _run(tmp_path, "retention_audit", NOW - timedelta(days=30))  # not older: kept
    stray = tmp_path / "retention_audit" / "notes"
    stray.mkdir()  # no run.json: not a run, never touched
    removed = prune_runs(tmp_path, 30, now=NOW).removed
    assert removed == sorted([old, old_other])
    assert not old.exists()
    assert not old_other.exists()
    assert recent.exists()
    assert edge.exists()
    assert stray.exists()
    assert not (tmp_path / "access_review").exists()  # emptied notebook folder goes too


@pytest.mark.parametrize("days", [-1])
def test_prune_refuses_negative_days(tmp_path: Path, days: int) -> None:
    with pytest.raises(InputError, match="older-than"):
        prune_runs(tmp_path, days)


def test_prune_refuses_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such reports folder"):
        prune_runs(tmp_path / "missing", 30)


def test_list_runs_newest_first_with_status_and_html(tmp_path: Path) -> None:
    first = _run(tmp_path, "retention_audit", NOW - timedelta(days=2))
    second = _run(tmp_path, "access_review", NOW - timedelta(days=1), "failed")
    (tmp_path / "access_review" / "broken").mkdir()
    (tmp_path / "access_review" / "broken" / "run.json").write_text("{", encoding="utf-8")
    runs = list_runs(tmp_path)
    assert [r.folder for r in runs] == [second, first]
    assert [r.status for r in runs] == ["failed", "succeeded"]
    assert runs[0].notebook == "access_review"
    assert runs[0].html == second / "access_review.html"


def test_results_are_plain_json(tmp_path: Path) -> None:
    import numpy as np
    import pandas as pd

    path = tmp_path / "results.json"
    write_results(
        path,
        {
            "n": np.int64(3),
            "when": NOW,
            "day": NOW.date(),
            "ts": pd.Timestamp(NOW),
            "share": np.float64(0.5),
        },
    )
    assert read_results(path) == {
        "n": 3,
        "when": "2026-11-29T06:00:00Z",
        "day": "2026-11-29",
        "ts": "2026-11-29T06:00:00Z",
        "share": 0.5,
    }
    assert json.loads(path.read_text())["n"] == 3


def test_results_without_a_path_write_nothing(tmp_path: Path) -> None:
    write_results(None, {"n": 1})
    assert list(tmp_path.iterdir()) == []


def test_the_report_kernel_drops_only_the_shutdown_interrupt_line(tmp_path: Path) -> None:
    """A kernel shutdown starts with an interrupt; ipykernel's "KeyboardInterrupt caught"
    error for it must not reach the report command's stderr, and other errors must."""
    import sys

    from jupyter_client import KernelManager

    manager = KernelManager()
    manager.kernel_spec.argv = [sys.executable, "-m", LAUNCHER, "-f", "{connection_file}"]
    stderr = tmp_path / "kernel.err"
    with stderr.open("w") as sink:
        manager.start_kernel(stderr=sink)
        client = manager.client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=60)
            client.execute_interactive(
                "log = get_ipython().kernel.log\n"
                "log.error('KeyboardInterrupt caught in kernel.')\n"
                "log.error('some other error')",
                timeout=60,
            )
        finally:
            client.stop_channels()
            manager.shutdown_kernel()
    errors = [line for line in stderr.read_text().splitlines() if "ERROR" in line]
    assert errors == ["[IPKernelApp] ERROR | some other error"]


def test_an_environment_reached_through_a_linked_folder_is_the_same_one(
    tmp_path: Path,
) -> None:
    real = tmp_path / "venv" / "bin"
    real.mkdir(parents=True)
    (tmp_path / "linked").symlink_to(tmp_path / "venv")
    command = [str(tmp_path / "venv/bin/python"), "-m", "ipykernel_launcher", "-f", "k.json"]
    started = without_debugger(command, str(tmp_path / "linked/bin/python3"))
    assert started == [command[0], "-m", LAUNCHER, "-f", "k.json"]


def _logged(message: str, error: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(error), error, None) if error is not None else None
    return logging.LogRecord("IPKernelApp", logging.ERROR, "", 0, message, None, exc_info)


def test_the_kernel_drops_its_shutdown_noise_and_keeps_other_errors() -> None:
    from insight_workbench.reports import kernel_launcher as launcher

    closed = zmq.error.ZMQError(errno.ENOTSOCK)
    assert not launcher.not_a_closed_socket(_logged("Exception in message handler:", closed))
    assert launcher.not_a_closed_socket(_logged("Exception in message handler:", ValueError()))
    assert launcher.not_a_closed_socket(_logged("Exception in message handler:", OSError(88, "")))
    assert not launcher.not_a_parent_gone(_logged("Parent appears to have exited, shutting down."))


def test_a_kernel_whose_connection_file_is_gone_ends_silently(tmp_path: Path) -> None:
    """The run ended before its kernel started: no kernel of its own, on TCP."""
    gone = tmp_path / "kernel.json"
    done = subprocess.run(
        [sys.executable, "-m", LAUNCHER, "-f", str(gone)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stderr) == (1, "")
