"""The command line's settings from the app's settings file (`.streamlit/secrets.toml` in
the home folder, then in the working folder), where the environment has none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import run_cli

from insight_workbench.testing import build_snapshot

ORGS = [
    {
        "org_id": "O1",
        "name": "Org",
        "product": "local_insight",
        "status": "closed",
        "created_at": "2025-01-01T00:00:00Z",
        "closed_at": "2026-01-01T00:00:00Z",
    }
]
USERS = [
    {
        "user_id": "U1",
        "org_id": "O1",
        "name": "Ann Lee",
        "email": "ann@example.org",
        "role": "user",
        "created_at": "2025-01-01T00:00:00Z",
    }
]
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


def settings(folder: Path, text: str) -> None:
    (folder / ".streamlit").mkdir(exist_ok=True)
    (folder / ".streamlit" / "secrets.toml").write_text(text, encoding="utf-8")


def environment(places: dict[str, Path], **more: str) -> dict[str, str]:
    return {"HOME": str(places["home"]), "INSIGHT_CACHE_DIR": str(places["cache"]), **more}


def runs(places: dict[str, Path], **more: str) -> list[dict]:
    done = run_cli(
        "history", "--format", "json", env=environment(places, **more), cwd=places["work"]
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["runs"]


def record(places: dict[str, Path], **more: str) -> None:
    done = run_cli(
        "check", places["snapshot"], "--record", "--quiet", "--output", places["work"] / "out.json",
        env=environment(places, **more), cwd=places["work"],
    )  # fmt: skip
    assert done.returncode == 1, done.stderr


def test_the_ledger_named_in_the_working_folder_s_file_is_used(
    places: dict[str, Path], tmp_path: Path
) -> None:
    ledger = tmp_path / "shared-ledger.sqlite"
    settings(places["work"], f'INSIGHT_LEDGER = "{ledger}"\n[auth]\nclient_secret = "{SECRET}"\n')
    record(places)
    assert ledger.is_file()
    assert not (places["cache"] / "ledger.sqlite").exists()
    assert len(runs(places)) == 1
    # Without the file, the default ledger in the cache folder: no run there.
    (places["work"] / ".streamlit" / "secrets.toml").unlink()
    assert runs(places) == []


def test_the_environment_wins_and_the_working_folder_over_the_home_folder(
    places: dict[str, Path], tmp_path: Path
) -> None:
    home, work, named = (tmp_path / f"{n}.sqlite" for n in ("home", "work", "named"))
    settings(places["home"], f'INSIGHT_LEDGER = "{home}"\nINSIGHT_USER = "dpo@example.org"\n')
    record(places)
    assert home.is_file()
    settings(places["work"], f'INSIGHT_LEDGER = "{work}"\n')
    record(places)
    assert work.is_file()
    record(places, INSIGHT_LEDGER=str(named))
    assert named.is_file()
    decided = run_cli(
        "decide", "org:O1", "--rule", "RET-001", "--acknowledge",
        env=environment(places), cwd=places["work"],
    )  # fmt: skip
    assert decided.returncode == 0, decided.stderr
    done = run_cli("history", "--format", "json", env=environment(places), cwd=places["work"])
    [finding] = json.loads(done.stdout)["findings"]
    [decision] = finding["decisions"]
    assert decision["by"] == "dpo@example.org"  # the home folder's file: the other lacks it


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f'INSIGHT_LEDGER = "x\n[auth]\nclient_secret = "{SECRET}"\n', "is not valid TOML"),
        (f'INSIGHT_LEDGER = ["{SECRET}"]\n', "'INSIGHT_LEDGER' must be text"),
        ("INSIGHT_THREADS = true\n", "'INSIGHT_THREADS' must be text"),
    ],
)
def test_a_bad_file_is_refused_by_name_without_its_values(
    places: dict[str, Path], text: str, message: str
) -> None:
    settings(places["work"], text)
    done = run_cli("history", env=environment(places), cwd=places["work"])
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {places['work'] / '.streamlit' / 'secrets.toml'}: ")
    assert message in done.stderr
    assert SECRET not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr
    helped = run_cli("--help", env=environment(places), cwd=places["work"])
    assert helped.returncode == 0, helped.stderr  # help whatever the file holds
