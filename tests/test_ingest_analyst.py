"""`ingest` with a pseudonymisation key configured builds the analyst data too, so the
app's first analyst session reopens it instead of building it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from cli_runner import run_cli
from loader_checks import valid_snapshot

from insight_workbench.analyst import database
from insight_workbench.analyst.database import analyst_data
from insight_workbench.errors import NO_SPACE
from insight_workbench.loading.workspace import open_snapshot

KEY = "ingest-analyst-test-key-0123456789"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("INSIGHT_CACHE_DIR", str(folder))
    monkeypatch.delenv("INSIGHT_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("INSIGHT_PSEUDONYM_KEY_FILE", raising=False)
    return folder


def _analyst_line(stdout: str) -> str | None:
    found = [line for line in stdout.splitlines() if line.startswith("Analyst data: ")]
    assert len(found) <= 1
    return found[0] if found else None


@pytest.mark.usefixtures("cache")
def test_with_a_key_file_ingest_builds_what_the_app_then_reuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "pseudonym.key"
    key_file.write_text(KEY + "\n", encoding="utf-8")
    monkeypatch.setenv("INSIGHT_PSEUDONYM_KEY_FILE", str(key_file))
    folder = valid_snapshot(tmp_path / "s")
    result = run_cli("ingest", folder)
    assert result.returncode == 0, result.stderr
    line = _analyst_line(result.stdout)
    assert line is not None
    assert line.endswith("(built)")
    assert KEY not in result.stdout + result.stderr
    data = analyst_data(open_snapshot(folder), KEY.encode())  # as the app opens it
    try:
        assert data.built is False
        assert line == f"Analyst data: {data.path} (built)"
    finally:
        data.close()
    again = _analyst_line(run_cli("ingest", folder).stdout)
    assert again == f"Analyst data: {data.path} (reused)"


def test_without_a_key_ingest_builds_the_workspace_alone(cache: Path, tmp_path: Path) -> None:
    result = run_cli("ingest", valid_snapshot(tmp_path / "s"))
    assert result.returncode == 0, result.stderr
    assert _analyst_line(result.stdout) is None
    assert result.stderr == ""
    assert not list(cache.glob("analyst/*"))


def test_a_key_that_cannot_be_used_is_named_but_the_workspace_is_kept(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INSIGHT_PSEUDONYM_KEY", "too-short")
    result = run_cli("ingest", valid_snapshot(tmp_path / "s"))
    assert result.returncode == 0
    assert result.stdout.splitlines()[0].endswith("(built)")
    assert _analyst_line(result.stdout) is None
    assert result.stderr.strip() == (
        "Analyst data not built: INSIGHT_PSEUDONYM_KEY: the key is shorter than 16 bytes"
    )
    assert not list(cache.glob("analyst/*"))


@pytest.mark.parametrize("full", ["cache", "spill"])
def test_no_room_for_the_analyst_data_names_the_folder_and_keeps_the_workspace(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, full: str
) -> None:
    """The disk of the cache folder, or of the spill folder, fills up while the analyst
    data is written: the folder is named, as for a key that cannot be used."""
    spill_root = tmp_path / "spill"
    monkeypatch.setenv("INSIGHT_TEMP_DIR", str(spill_root))
    folder = valid_snapshot(tmp_path / "s")
    assert run_cli("ingest", folder).returncode == 0  # the workspace, without a key

    def no_room(
        _snapshot: object, _key: bytes, target: duckdb.DuckDBPyConnection, *_: object
    ) -> None:
        spill = target.execute("SELECT current_setting('temp_directory')").fetchone()
        written = Path(spill[0]) / "t.block" if full == "spill" else cache / "tmp" / "x.duckdb"
        raise duckdb.IOException(f'Could not write file "{written}": No space left on device')

    monkeypatch.setattr(database, "_fill", no_room)
    monkeypatch.setenv("INSIGHT_PSEUDONYM_KEY", KEY)
    result = run_cli("ingest", folder)
    assert result.returncode == 2  # an output that could not be written
    assert result.stdout.splitlines()[0].endswith("(reused)")
    assert _analyst_line(result.stdout) is None
    named = spill_root if full == "spill" else cache
    assert result.stderr == (
        f"Analyst data not built: {named}: the analyst data could not be built: {NO_SPACE}\n"
    )
    assert not list(cache.glob("analyst/*"))
    assert not [p for p in (cache / "tmp").iterdir() if p.name.startswith("analyst-")]
