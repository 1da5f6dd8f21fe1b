"""An output that cannot be written (read-only folder, full disk) ends in one line and
exit 2, leaves no partial or temporary file, and a retry works.

The commands run in this process, but for those under a file size limit (where a small
file system cannot be mounted): the limit is set in a child process of their own."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from cli_runner import run_cli
from sar_people import JANE

from insight_workbench.loading import workspace
from insight_workbench.testing import build_snapshot

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "notebooks"
SMALL_SAMPLE = ["--orgs", "20", "--users", "200", "--days", "30"]
FILLER = "filler"


def _mount(folder: Path, options: str) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "read-only"
    if not _mount(folder, "ro,size=64k"):
        pytest.skip("mounting a tmpfs is not permitted here")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


@pytest.fixture
def full(tmp_path: Path) -> Iterator[Path | None]:
    """A small file system with 4 KiB left, or None where mounting is not permitted (the
    commands then run with a file size limit instead)."""
    folder = tmp_path / "full"
    if not _mount(folder, "size=16m"):
        yield None
        return
    (folder / FILLER).write_bytes(b"x" * ((16 << 20) - (4 << 10)))
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes fail with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (8 << 10, 8 << 10))


def cli(*args: str | Path, small_files: bool = False) -> subprocess.CompletedProcess[str]:
    if not small_files:
        return run_cli(*args)
    command = [sys.executable, "-c", "from insight_workbench.cli import main; main()"]
    return subprocess.run(
        [*command, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        preexec_fn=_limit_file_size,
        check=False,
    )


def assert_clean_failure(done: subprocess.CompletedProcess[str], folder: Path) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "cannot write" in done.stderr, done.stderr
    left = sorted(p.name for p in folder.rglob("*") if p.name != FILLER)
    assert left == [], left


def out_folder(full: Path | None, tmp_path: Path) -> Path:
    folder = full if full is not None else tmp_path / "limited"
    folder.mkdir(exist_ok=True)
    return folder


def make_room(full: Path | None) -> None:
    if full is not None:
        (full / FILLER).unlink()


COMMANDS = {
    "sar zip": lambda snap, out: ["sar", snap, "--user-id", JANE, "--out", out / "pack.zip"],
    "sar folder": lambda snap, out: ["sar", snap, "--user-id", JANE, "--out", out / "pack"],
    "deidentify": lambda snap, out: ["deidentify", snap, "--out", out / "datasets"],
    "sample": lambda _snap, out: ["sample", "--out", out / "sample", *SMALL_SAMPLE],
}


@pytest.mark.parametrize("name", [*COMMANDS, "check --output"])
def test_a_file_where_the_folder_should_be_is_named(
    name: str, people_path: Path, tmp_path: Path
) -> None:
    blocking = tmp_path / "a-file"
    blocking.write_text("kept\n")
    out = blocking / "sub"
    if name == "check --output":
        done = cli("check", people_path, "--output", out / "findings.json")
    else:
        done = cli(*COMMANDS[name](people_path, out))
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert done.stderr.endswith(f": {blocking} is a file, not a folder\n"), done.stderr
    assert blocking.read_text() == "kept\n"


def test_check_into_a_read_only_folder_is_refused_before_its_run_is_recorded(
    people_path: Path, read_only: Path, tmp_path: Path
) -> None:
    ledger = tmp_path / "ledger.sqlite"
    target = read_only / "findings.json"
    env = {"INSIGHT_LEDGER": str(ledger), "INSIGHT_USER": "dpo@example.org"}
    done = run_cli("check", people_path, "--record", "--output", target, env=env)
    assert (done.returncode, done.stderr) == (
        2,
        f"error: --output {target}: cannot be written (its folder is not writable)\n",
    )
    assert not ledger.exists()


def test_a_link_to_standard_output_in_a_read_only_folder_is_written_through(
    people_path: Path, tmp_path: Path
) -> None:
    """`--output` naming this process's standard output (here through a link in a folder
    nobody may write, as `/dev` is to all but root), sent to a file: written through the
    descriptor, never refused for the link's folder."""
    folder = tmp_path / "links"
    if not _mount(folder, "size=64k"):
        pytest.skip("mounting a tmpfs is not permitted here")
    try:
        (folder / "out").symlink_to("/dev/stdout")
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        written = tmp_path / "findings.csv"
        with written.open("w") as stdout:
            done = subprocess.run(
                [sys.executable, "-m", "insight_workbench", "check", str(people_path),
                 "--format", "csv", "--output", str(folder / "out")],
                stdout=stdout, stderr=subprocess.PIPE, text=True, check=False,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )  # fmt: skip
    finally:
        subprocess.run(["umount", str(folder)], check=False)
    assert done.returncode == 1, done.stderr
    assert written.read_text().startswith("rule,key,severity,due,message")


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_read_only_folder_is_one_line_and_exit_2(
    name: str, people_path: Path, read_only: Path, tmp_path: Path
) -> None:
    done = cli(*COMMANDS[name](people_path, read_only))
    assert_clean_failure(done, read_only)
    good = tmp_path / "good"
    assert cli(*COMMANDS[name](people_path, good)).returncode == 0
    assert any(good.iterdir())


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_full_disk_leaves_nothing_and_a_retry_works(
    name: str, people_path: Path, full: Path | None, tmp_path: Path
) -> None:
    out = out_folder(full, tmp_path)
    done = cli(*COMMANDS[name](people_path, out), small_files=full is None)
    assert_clean_failure(done, out)
    make_room(full)
    again = cli(*COMMANDS[name](people_path, out))
    assert again.returncode == 0, again.stderr
    assert any(p.name != FILLER for p in out.iterdir())


def test_an_earlier_sample_survives_a_failed_regeneration(tmp_path: Path) -> None:
    out = tmp_path / "sample"
    assert cli("sample", "--out", out, *SMALL_SAMPLE).returncode == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    done = cli("sample", "--out", out, "--seed", "8", *SMALL_SAMPLE, small_files=True)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir()] == ["sample"]


def test_a_report_into_a_read_only_folder_is_one_line_and_exit_2(
    read_only: Path, tmp_path: Path
) -> None:
    snapshot = build_snapshot(tmp_path / "snap")
    done = cli("report", FIXTURES / "echo.ipynb", "--snapshot", snapshot, "--out", read_only)
    assert_clean_failure(done, read_only)


def test_a_report_on_a_full_disk_ends_failed_not_running(full: Path | None, tmp_path: Path) -> None:
    if full is None:
        pytest.skip("mounting a tmpfs is not permitted here")
    snapshot = build_snapshot(tmp_path / "snap")
    done = cli("report", FIXTURES / "echo.ipynb", "--snapshot", snapshot, "--out", full)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    records = list(full.glob("*/*/run.json"))
    assert len(records) == 1
    assert json.loads(records[0].read_text())["status"] == "failed"
    assert not [p for p in full.rglob("*") if p.name.endswith(".tmp")]


@pytest.mark.parametrize(
    "stopped",
    [
        duckdb.InterruptException("INTERRUPT Error: Interrupted!"),
        RuntimeError("Query interrupted"),
        KeyboardInterrupt(),
    ],
)
def test_a_ctrl_c_is_aborted_not_a_traceback_nor_exit_130(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stopped: BaseException
) -> None:
    """DuckDB turns a Ctrl-C during a query into an error of its own; elsewhere in a
    command it is a KeyboardInterrupt, which typer would turn into exit 130, silently."""

    def interrupted(*_: object, **__: object) -> None:
        raise stopped

    monkeypatch.setattr(workspace, "ingest", interrupted)
    done = run_cli("validate", build_snapshot(tmp_path / "s", {}))
    assert (done.returncode, done.stderr) == (2, "aborted\n")


@pytest.fixture
def ctrl_c_raises() -> Iterator[None]:
    """Ctrl-C as in a terminal (a KeyboardInterrupt), where a test worker ignores it."""
    import signal

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.usefixtures("ctrl_c_raises")
def test_a_ctrl_c_inside_a_python_function_duckdb_runs_is_aborted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB wraps a Ctrl-C that lands in a Python function it is running (the DEID
    rules' functions) in an error of its own, which read as an unknown failure: exit 1,
    "findings reported", with a traceback."""
    import os
    import signal

    def interrupted(*_: object, **__: object) -> None:
        con = duckdb.connect(config={"threads": 1})

        def slow(value: str) -> str:
            os.kill(os.getpid(), signal.SIGINT)
            return value

        con.create_function("slow", slow, ["VARCHAR"], "VARCHAR")
        con.execute("SELECT slow('x')").fetchall()

    monkeypatch.setattr(workspace, "ingest", interrupted)
    done = run_cli("validate", build_snapshot(tmp_path / "s", {}))
    assert (done.returncode, done.stderr) == (2, "aborted\n")


@pytest.mark.usefixtures("ctrl_c_raises")
def test_a_ctrl_c_while_the_loader_keys_addresses_is_aborted_not_a_bad_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loader turns a failed statement into "table could not be loaded": a Ctrl-C in
    the email-key function DuckDB was running read as a broken export."""
    import os
    import signal

    from insight_workbench import emails

    keys = emails._email_keys

    def interrupted(values: Any) -> Any:
        os.kill(os.getpid(), signal.SIGINT)
        return keys(values)

    monkeypatch.setattr(emails, "_email_keys", interrupted)
    user = {
        "user_id": "U1",
        "org_id": "O1",
        "name": "Zo\u00eb",
        "email": "zo\u00eb@example.org",  # not plain ASCII: keyed by the function
        "role": "user",
        "created_at": "2026-01-01T00:00:00Z",
    }
    done = run_cli(
        "validate",
        build_snapshot(
            tmp_path / "s",
            {"users": [user, {**user, "user_id": "U2", "email": "Zo\u00cb@example.org"}]},
        ),
    )
    assert (done.returncode, done.stderr) == (2, "aborted\n")


@pytest.mark.usefixtures("ctrl_c_raises")
def test_any_failure_a_ctrl_c_caused_is_aborted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An interrupted import inside a library surfaced as another error ("'numpy' is
    required for this operation"): after a Ctrl-C, whatever fails is "aborted"."""
    import os
    import signal

    def interrupted(*_: object, **__: object) -> None:
        try:
            os.kill(os.getpid(), signal.SIGINT)
        except KeyboardInterrupt:
            raise RuntimeError("'numpy' is required for this operation") from None

    monkeypatch.setattr(workspace, "ingest", interrupted)
    done = run_cli("validate", build_snapshot(tmp_path / "s", {}))
    assert (done.returncode, done.stderr) == (2, "aborted\n")


def test_a_ctrl_c_after_the_command_finished_leaves_its_exit_code(tmp_path: Path) -> None:
    """A Ctrl-C while the process cleans up at exit (the command done, its output
    written) used to end it by the signal, silently; the command's own code stands."""
    import subprocess
    import sys

    snapshot = build_snapshot(tmp_path / "s", {})
    script = (
        "import atexit, os, signal, sys\n"
        "atexit.register(lambda: os.kill(os.getpid(), signal.SIGINT))\n"
        "from insight_workbench.cli import main\n"
        f"sys.argv = ['insight-workbench', 'validate', {str(snapshot)!r}]\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert (done.returncode, "Traceback" in done.stderr) == (0, False)


def _a_defect(*_: object) -> None:
    raise KeyError("ann@example.org")  # as a library's message may quote a value


def test_a_defect_is_named_by_type_and_place_never_by_its_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from insight_workbench.loading import load_report

    snapshot = build_snapshot(tmp_path / "snap")
    monkeypatch.setattr(load_report, "validation_report", _a_defect)
    monkeypatch.delenv("INSIGHT_DEBUG", raising=False)
    done = run_cli("validate", snapshot)
    assert done.returncode == 2  # never 1: for `check` that would read as "findings"
    assert "Traceback" not in done.stderr
    assert "ann@example.org" not in done.stderr
    assert done.stderr.startswith("error: unexpected KeyError at test_clean_failures.py:")
    assert "validate_cmd.py:" in done.stderr
    assert len(done.stderr.splitlines()) == 1
    monkeypatch.setenv("INSIGHT_DEBUG", "1")  # a developer asks for the whole traceback
    shown = run_cli("validate", snapshot)
    assert "Traceback" in shown.stderr
    assert "ann@example.org" in shown.stderr


def test_a_defect_deep_in_a_library_names_where_the_workbench_called_it() -> None:
    from insight_workbench.errors import defect_summary

    code = compile(  # as if in a module of the package, calling deep into pandas
        "import pandas as pd\n"
        "def view():\n"
        "    return pd.DataFrame({'a': [1]}).groupby('ann@example.org')\n",
        str(Path("insight_workbench") / "dashboard" / "some_view.py"),
        "exec",
    )
    space: dict[str, Any] = {}
    exec(code, space)
    with pytest.raises(KeyError) as raised:
        space["view"]()
    said = defect_summary(raised.value)
    assert said.startswith("KeyError at ")
    assert said.endswith("(from some_view.py:3)")
    assert "ann@example.org" not in said
