"""Text options that are not UTF-8 (bytes a terminal in another encoding passed on, as
Python's stand-ins) are refused with one line and exit 2, before anything is read or
written: no key, id or ledger entry can hold them."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from cli_runner import SCRIPT, on_a_terminal, run_cli

from insight_workbench.ledger.database import _storable_user
from insight_workbench.testing import build_snapshot

BAD = "caf\udce9"  # "café" typed in Latin-1


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["sar", "{snapshot}", "--email", f"{BAD}@example.org", "--out", "{out}"], "--email"),
        (["sar", "{snapshot}", "--user-id", BAD, "--out", "{out}"], "--user-id"),
        (["history", "--key", f"org:{BAD}"], "--key"),
        (["history", "--rule", BAD], "--rule"),
        (["evidence", "--key", f"org:{BAD}", "--out", "{out}"], "--key"),
        (["decide", f"org:{BAD}", "--rule", "RET-001", "--acknowledge"], "KEY"),
        (["decide", "org:O1", "--rule", "RET-001", "--note", BAD], "--note"),
        (["decide", "org:O1", "--rule", "RET-001", "--assign", BAD], "--assign"),
        (["manifest", "{snapshot}", "--exported-at", "2026-01-01", "--snapshot-id", BAD], "--snap"),
    ],
)
def test_text_that_is_not_utf8_is_exit_2(tmp_path: Path, args: list[str], option: str) -> None:
    snapshot = tmp_path / "snapshot"
    snapshot.mkdir()
    ledger = tmp_path / "ledger.sqlite"
    argv = [a.format(snapshot=snapshot, out=tmp_path / "out") for a in args]
    done = run_cli(*argv, env={"INSIGHT_LEDGER": str(ledger), "INSIGHT_USER": "dpo"})
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert option in line
    assert "not valid UTF-8" in line
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snapshot"]  # nothing written
    assert list(snapshot.iterdir()) == []


def test_a_terminal_that_is_not_utf8_gets_data_as_utf8_and_text_escaped(tmp_path: Path) -> None:
    """A Latin-1 or cp1252 standard output used to fail on the first name it could not
    encode (a traceback, exit 1). JSON and CSV are the UTF-8 bytes `--output` writes;
    the table escapes what the terminal cannot show."""

    snapshot = closed_organisation(tmp_path / "s", "O\u26031", "Snow \u2603 Trust")
    env = {**os.environ, "PYTHONIOENCODING": "cp1252", "INSIGHT_CACHE_DIR": str(tmp_path / "c")}

    def run(*argv: str) -> subprocess.CompletedProcess[bytes]:
        command = [str(SCRIPT), *argv]
        return subprocess.run(command, capture_output=True, env=env, timeout=120, check=False)

    for fmt in ("json", "csv"):
        printed = run("check", str(snapshot), "--format", fmt)
        assert (printed.returncode, printed.stderr) == (1, b"")
        written = tmp_path / f"findings.{fmt}"
        saved = run_cli("check", snapshot, "--format", fmt, "--output", written, env=env)
        assert saved.returncode == 1  # the file: written in this process
        assert printed.stdout == written.read_bytes()
        assert "org:O\u26031".encode() in printed.stdout
    table = run("schedule", str(snapshot), "--as-of", "2026-09-02")
    assert (table.returncode, table.stderr) == (0, b"")
    assert b"Snow \\u2603 Trust" in table.stdout


def test_data_on_a_pipe_is_what_output_writes_and_on_a_terminal_is_escaped(
    tmp_path: Path,
) -> None:
    """An escape sequence in an id: a pipe got the key with part of it cut out (a key
    neither the ledger nor `--output` holds), a terminal got it raw (text hidden, the
    window retitled)."""
    org_id = "O1\x1b[8m\x1b]0;owned\x07\u202e\x85"
    snapshot = closed_organisation(tmp_path / "s", org_id, "Trust")
    env = {**os.environ, "INSIGHT_CACHE_DIR": str(tmp_path / "c")}
    for fmt in ("csv", "json"):
        argv = [str(SCRIPT), "check", str(snapshot), "--format", fmt]
        piped = subprocess.run(argv, capture_output=True, env=env, timeout=120, check=False)
        written = tmp_path / f"findings.{fmt}"
        saved = run_cli(*argv[1:], "--output", written, env=env)  # the file: in this process
        assert (piped.returncode, saved.returncode) == (1, 1)
        assert piped.stdout == written.read_bytes()
        assert b"\x1b[8m" in piped.stdout or b"\\u001b[8m" in piped.stdout
    as_json = [str(SCRIPT), "check", str(snapshot), "--format", "json"]
    piped = subprocess.run(as_json, capture_output=True, env=env, timeout=120, check=False)
    _, shown = on_a_terminal(as_json, env, stderr_too=False)
    assert json.loads(shown) == json.loads(piped.stdout)  # still JSON
    as_csv = [str(SCRIPT), "check", str(snapshot), "--format", "csv"]
    _, shown = on_a_terminal(as_csv, env, stderr_too=False)
    assert "\x1b" not in shown
    assert "\x07" not in shown
    assert "org:O1\\x1b[8m\\x1b]0;owned\\x07\\u202e\\x85" in shown


def test_json_on_a_terminal_that_is_not_utf8_is_still_json(tmp_path: Path) -> None:
    """What a cp1252 terminal cannot show went out as Python's escapes (`\\U0001f600`),
    which JSON does not have: the output no longer parsed."""
    snapshot = closed_organisation(tmp_path / "s", "O1\U0001f600\u2603\u0142", "Trust")
    env = {**os.environ, "PYTHONIOENCODING": "cp1252", "INSIGHT_CACHE_DIR": str(tmp_path / "c")}
    as_json = [str(SCRIPT), "check", str(snapshot), "--format", "json"]
    piped = subprocess.run(as_json, capture_output=True, env=env, timeout=120, check=False)
    _, shown = on_a_terminal(as_json, env, stderr_too=False)
    assert "\\ud83d\\ude00\\u2603\\u0142" in shown  # JSON's escapes, a pair for the emoji
    assert json.loads(shown) == json.loads(piped.stdout)
    as_csv = [str(SCRIPT), "check", str(snapshot), "--format", "csv"]
    _, shown = on_a_terminal(as_csv, env, stderr_too=False)
    assert "org:O1\\U0001f600\\u2603\\u0142" in shown  # escaped for people, as tables are


def closed_organisation(folder: Path, org_id: str, name: str) -> Path:
    """A snapshot of one organisation, closed long before the export, still holding a
    user: a RET-001 finding keyed by `org_id`, whose message names `name`."""
    organisation = {
        "org_id": org_id,
        "name": name,
        "product": "local_insight",
        "status": "closed",
        "created_at": "2024-01-01T00:00:00Z",
        "closed_at": "2026-09-01T00:00:00Z",
    }
    user = {
        "user_id": "U1",
        "org_id": org_id,
        "name": "Sam",
        "email": "sam@example.org",
        "role": "user",
        "created_at": "2024-01-01T00:00:00Z",
    }
    return build_snapshot(folder, {"organisations": [organisation], "users": [user]})


def test_a_command_started_with_standard_output_closed_is_exit_2(
    sample_path: Path,
) -> None:
    """Python sets `sys.stdout` to None then: asking it whether it is a terminal was a
    traceback and exit 1; then exit 1 ("findings reported") with nothing reported. What
    cannot be printed is exit 2, as `--output /dev/stdout` is. (The sample's workspace is
    this process's, built once.)"""
    env = dict(os.environ)
    closed = b"error: standard output is closed: nothing can be printed\n"
    for argv in (
        ["check", str(sample_path), "--format", "json"],
        ["check", str(sample_path)],
        ["schedule", str(sample_path), "--format", "csv"],
        ["validate", str(sample_path)],  # a table for people: exit 1 said "quarantined"
        ["usage", str(sample_path)],
    ):
        done = subprocess.run(
            [str(SCRIPT), *argv],
            stdin=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
            timeout=120,
            check=False,
            preexec_fn=lambda: os.close(1),
        )
        assert (done.returncode, done.stderr) == (2, closed), argv


def test_a_pipe_its_reader_closed_is_exit_2_not_1(sample_path: Path) -> None:
    """Standard output a pipe whose reader is gone (`| head` done reading): Click ended the
    command with exit 1 and no word, which for `check` and `validate` says "findings" or
    "quarantined rows" though nothing was read. Exit 2, one line, and no second complaint
    from Python's flush at exit."""
    closed = b"error: standard output is closed: nothing can be printed\n"
    for argv in (["check", str(sample_path), "--format", "json"], ["validate", str(sample_path)]):
        read_end, write_end = os.pipe()
        os.close(read_end)
        try:
            done = subprocess.run(
                [str(SCRIPT), *argv],
                stdin=subprocess.DEVNULL,
                stdout=write_end,
                stderr=subprocess.PIPE,
                timeout=120,
                check=False,
            )
        finally:
            os.close(write_end)
        assert (done.returncode, done.stderr) == (2, closed), argv


def test_utf8_under_an_ascii_locale_is_read_as_utf8(tmp_path: Path) -> None:
    """Under `LC_ALL=C PYTHONUTF8=0` Python holds each byte of a UTF-8 `é` as a stand-in;
    the option was refused as not UTF-8, though its bytes are."""
    snapshot = build_snapshot(tmp_path / "s", {})
    (snapshot / "manifest.json").unlink()
    as_bytes = "caf\udcc3\udca9"  # "café" in UTF-8, read by an ASCII locale
    done = run_cli("manifest", snapshot, "--exported-at", "2026-01-01", "--snapshot-id", as_bytes)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((snapshot / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["snapshot_id"] == "caf\u00e9"
    assert _storable_user("INSIGHT_USER", "Jos\udcc3\udca9") == "Jos\u00e9"
