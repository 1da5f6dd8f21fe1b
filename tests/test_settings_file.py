"""The command line's settings from the app's settings file (`.streamlit/secrets.toml` in
the home folder, then beside the app; or the one `INSIGHT_SETTINGS_FILE` names), where
the environment has none. The suite itself reads none (tests/conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from cli_runner import run_cli
from clock_snapshot import _org, _user

from insight_workbench import cli, settings_file
from insight_workbench.testing import build_snapshot

# One closed organisation past its deletion date with one user: one RET-001 finding.
ORGS = [_org("O1", "closed", closed_at="2026-01-01T00:00:00Z")]
USERS = [_user("U1", "O1")]
SECRET = "client-secret-never-shown"


@pytest.fixture
def places(tmp_path: Path) -> dict[str, Path]:
    """A snapshot with one finding, a home folder, a working folder and a cache."""
    folders = {name: tmp_path / name for name in ("home", "work", "cache")}
    for folder in folders.values():
        folder.mkdir()
    folders["snapshot"] = build_snapshot(
        tmp_path / "snapshot", {"organisations": ORGS, "users": USERS}
    )
    return folders


def settings(folder: Path, text: str) -> Path:
    (folder / ".streamlit").mkdir(exist_ok=True)
    path = folder / ".streamlit" / "secrets.toml"
    path.write_text(text, encoding="utf-8")
    return path


def environment(places: dict[str, Path], **more: str) -> dict[str, str]:
    return {"HOME": str(places["home"]), "INSIGHT_CACHE_DIR": str(places["cache"]), **more}


def runs(places: dict[str, Path], **more: str) -> list[dict]:
    done = run_cli(
        "history",
        "--format",
        "json",
        env=environment(places, **more),
        cwd=places["work"],
        settings_files=True,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["runs"]


def record(places: dict[str, Path], **more: str) -> None:
    done = run_cli(
        "check", places["snapshot"], "--record", "--quiet", "--output", places["work"] / "out.json",
        env=environment(places, **more), cwd=places["work"], settings_files=True,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr


def test_the_ledger_named_in_the_chosen_file_is_used(places: dict[str, Path], tmp_path) -> None:
    ledger = tmp_path / "shared-ledger.sqlite"
    chosen = settings(
        tmp_path, f'INSIGHT_LEDGER = "{ledger}"\n[auth]\nclient_secret = "{SECRET}"\n'
    )
    record(places, INSIGHT_SETTINGS_FILE=str(chosen))
    assert ledger.is_file()
    assert not (places["cache"] / "ledger.sqlite").exists()
    assert len(runs(places, INSIGHT_SETTINGS_FILE=str(chosen))) == 1
    # Named empty: no file is read, and the default ledger in the cache folder has no run.
    assert runs(places, INSIGHT_SETTINGS_FILE="") == []


def test_the_home_folder_s_file_is_read_and_never_the_working_folder_s(
    places: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command run inside an unpacked export must not take its ledger from a file the
    export put there. The app's folder is a temporary one here: a developer's own file
    beside the app must not be read by the suite."""
    monkeypatch.setattr(settings_file, "APP_FOLDER", tmp_path / "app")
    home, planted = tmp_path / "home.sqlite", tmp_path / "planted.sqlite"
    settings(places["home"], f'INSIGHT_LEDGER = "{home}"\nINSIGHT_USER = "dpo@example.org"\n')
    settings(places["work"], f'INSIGHT_LEDGER = "{planted}"\nINSIGHT_USER = "mallory"\n')
    record(places)
    assert home.is_file()
    assert not planted.exists()
    decided = run_cli(
        "decide", "org:O1", "--rule", "RET-001", "--acknowledge",
        env=environment(places), cwd=places["work"], settings_files=True,
    )  # fmt: skip
    assert decided.returncode == 0, decided.stderr
    done = run_cli(
        "history",
        "--format",
        "json",
        env=environment(places),
        cwd=places["work"],
        settings_files=True,
    )
    [finding] = json.loads(done.stdout)["findings"]
    [decision] = finding["decisions"]
    assert decision["by"] == "dpo@example.org"


def test_the_environment_wins_over_the_file(places: dict[str, Path], tmp_path: Path) -> None:
    in_file, named = tmp_path / "file.sqlite", tmp_path / "named.sqlite"
    chosen = settings(tmp_path, f'INSIGHT_LEDGER = "{in_file}"\n')
    record(places, INSIGHT_SETTINGS_FILE=str(chosen), INSIGHT_LEDGER=str(named))
    assert named.is_file()
    assert not in_file.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f'INSIGHT_LEDGER = "x\n[auth]\nclient_secret = "{SECRET}"\n', "not valid TOML"),
        (f'INSIGHT_LEDGER = ["{SECRET}"]\n', "'INSIGHT_LEDGER' must be text"),
        ("INSIGHT_THREADS = true\n", "'INSIGHT_THREADS' must be text"),
        (None, "cannot be read (No such file or directory)"),
    ],
)
def test_a_bad_file_is_refused_by_name_without_its_values(
    places: dict[str, Path], tmp_path: Path, text: str | None, message: str
) -> None:
    chosen = tmp_path / "secrets.toml"
    if text is not None:
        chosen.write_text(text, encoding="utf-8")
    env = environment(places, INSIGHT_SETTINGS_FILE=str(chosen))
    done = run_cli("history", env=env, settings_files=True)
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {chosen} (the app's settings file): ")
    assert message in done.stderr
    assert SECRET not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr
    # Help, a group named alone and a mistyped command are answered whatever it holds.
    for arguments in (["--help"], ["ledger"], ["check", "--help"]):
        helped = run_cli(*arguments, env=env, settings_files=True)
        assert helped.returncode in (0, 2), helped.stderr
        assert "settings file" not in helped.stderr, arguments
    assert "No such command" in run_cli("nosuch", env=env, settings_files=True).stderr


@pytest.mark.parametrize(
    ("arguments", "runs"),
    [
        ([], False),
        (["--help"], False),
        (["ledger"], False),
        (["ledger", "--help"], False),
        (["nosuch"], False),
        (["check", "s", "--help"], False),
        (["ledger", "verify"], True),
        (["check", "s"], True),
        # `--help` as an option's value or after `--` asks for no help: the command runs,
        # with the ledger the settings file names.
        (["decide", "org:O1", "--rule", "RET-001", "--note", "--help"], True),
        (["sar", "s", "--", "--help"], True),
    ],
)
def test_the_file_is_read_for_a_command_that_runs(arguments: list[str], runs: bool) -> None:
    command = typer.main.get_command(cli.app)
    assert cli._runs_a_command(command, arguments) is runs
