"""`ingest` with a pseudonymisation key configured builds the analyst data too, so the
app's first analyst session reopens it instead of building it."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_runner import run_cli
from loader_checks import valid_snapshot

from insight_workbench.analyst.database import analyst_data
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
