"""What an output option names: a path ending in `/` is a folder, never a file of that
name; `-` is standard output for a file of text, and refused where files are written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_runner import run_cli


def _refused(done, *words: str) -> None:
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    for word in words:
        assert word in done.stderr


@pytest.mark.parametrize("command", ["check", "schedule"])
def test_a_file_path_ending_in_a_slash_is_refused(
    command: str, sample_path: Path, tmp_path: Path
) -> None:
    target = f"{tmp_path}/out.json/"
    _refused(run_cli(command, sample_path, "--output", target), "ends in '/', a folder")
    assert not (tmp_path / "out.json").exists()


def test_a_zip_path_ending_in_a_slash_is_refused(sample_path: Path, tmp_path: Path) -> None:
    done = run_cli("sar", sample_path, "--user-id", "U000001", "--out", f"{tmp_path}/p.zip/")
    _refused(done, "names a zip")
    assert not (tmp_path / "p.zip").exists()


def test_a_dash_is_standard_output_for_check(
    sample_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    done = run_cli("check", sample_path, "--rule", "TPP", "--format", "csv", "--output", "-")
    assert done.returncode == 1
    assert done.stdout.startswith("rule,key,severity,due,message")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "args",
    [
        ["sar", "SNAPSHOT", "--user-id", "U000001", "--out", "-"],
        ["deidentify", "SNAPSHOT", "--out", "-"],
        ["evidence", "--out", "-"],
        ["sample", "--out", "-"],
        ["report", "retention_audit", "--snapshot", "SNAPSHOT", "--out", "-", "--no-pdf"],
    ],
)
def test_a_dash_where_files_are_written_is_refused(
    args: list[str], sample_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INSIGHT_LEDGER", str(tmp_path / "ledger.sqlite"))
    command = [str(sample_path) if a == "SNAPSHOT" else a for a in args]
    _refused(run_cli(*command), "--out -", "not to standard output")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    ("argv", "inside"),
    [
        (["check", "{s}", "--format", "csv", "--output"], "users.csv"),
        (["check", "{s}", "--format", "json", "--output"], "manifest.json"),
        (["schedule", "{s}", "--format", "json", "--output"], "new.json"),
        (["sar", "{s}", "--user-id", "U1", "--out"], "pack"),
        (["deidentify", "{s}", "--out"], "deidentified"),
        (["report", "retention_audit", "--snapshot", "{s}", "--no-pdf", "--out"], "reports"),
    ],
)
def test_an_output_inside_the_snapshot_folder_is_refused(
    argv: list[str], inside: str, tmp_path: Path
) -> None:
    """The export folder is never written to: `--output` naming one of its files
    overwrote it (the next load refused the snapshot), and `deidentify --out` added
    datasets that later runs judged as the snapshot's. Refused, through a link to the
    folder too, before anything is read or written."""
    from insight_workbench.testing import build_snapshot

    snapshot = build_snapshot(tmp_path / "s", {})
    alias = tmp_path / "alias"
    alias.symlink_to(snapshot)
    before = {p.name: p.read_bytes() for p in snapshot.iterdir() if p.is_file()}
    for folder in (snapshot, alias):
        target = folder / inside
        done = run_cli(*[a.format(s=snapshot) for a in argv], target)
        _refused(done, f"{target}: inside the snapshot folder", "never written to")
    assert {p.name: p.read_bytes() for p in snapshot.iterdir() if p.is_file()} == before
    assert sorted(p.name for p in snapshot.iterdir()) == sorted(before)


def test_an_output_beside_the_snapshot_folder_is_written(tmp_path: Path) -> None:
    """A sibling whose name begins with the folder's (`s` and `s2`) is outside it."""
    from insight_workbench.testing import build_snapshot

    snapshot = build_snapshot(tmp_path / "s", {})
    done = run_cli("check", snapshot, "--format", "json", "--output", tmp_path / "s2.json")
    assert done.returncode in (0, 1), done.stderr
    assert (tmp_path / "s2.json").is_file()
