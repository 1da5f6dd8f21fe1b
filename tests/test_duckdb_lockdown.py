"""Connections on snapshot data reach no file, URL, extension or setting after locking."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from loader_checks import valid_snapshot

from insight_workbench.analyst.database import analyst_data
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.loading.workspace import ingest, open_snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules.runner import run_check

KEY = b"k" * 32


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    return open_snapshot(valid_snapshot(tmp_path_factory.mktemp("lock") / "s"))


def escapes(outside: Path) -> list[str]:
    """Statements that would reach outside the workspace or undo the lockdown."""
    csv = outside / "data.csv"
    return [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/passwd')",
        "SELECT * FROM read_blob('/etc/passwd')",
        "SELECT * FROM read_json('/etc/passwd')",
        f"SELECT * FROM read_csv('{csv}')",
        f"SELECT * FROM read_parquet('{outside / 'x.parquet'}')",
        f"COPY users TO '{outside / 'out.csv'}'",
        f"COPY (SELECT 1) TO '{outside / 'out.parquet'}' (FORMAT parquet)",
        f"EXPORT DATABASE '{outside / 'dump'}'",
        f"ATTACH '{outside / 'other.duckdb'}' AS other",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SELECT * FROM read_csv('https://example.com/data.csv')",
        "SELECT * FROM read_parquet('s3://bucket/data.parquet')",
        "SELECT * FROM glob('/etc/*')",
        "CREATE SECRET leak (TYPE s3, KEY_ID 'a', SECRET 'b')",
        "SET enable_external_access = true",
        "SET lock_configuration = false",
        "SET threads = 1",
        "RESET memory_limit",
        "PRAGMA enable_profiling",
        "SET allowed_directories = ['/']",
        "SET temp_directory = '/tmp'",
        "SET TimeZone = 'Europe/London'",
    ]


def runs(cursor: duckdb.DuckDBPyConnection, statement: str) -> bool:
    """Whether DuckDB carries out `statement` (an escape that must be refused)."""
    try:
        cursor.execute(statement).fetchall()
    except duckdb.Error:
        return False
    return True


def test_every_escape_fails_on_a_workspace_cursor(snapshot: Snapshot, tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("a\n1\n", encoding="utf-8")
    allowed = [s for s in escapes(tmp_path) if runs(snapshot.cursor(), s)]
    assert allowed == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]


def test_the_workspace_is_read_only(snapshot: Snapshot) -> None:
    with pytest.raises(duckdb.Error):
        snapshot.cursor().execute("DELETE FROM users")


def test_the_library_still_works_on_a_locked_connection(snapshot: Snapshot) -> None:
    cursor = snapshot.cursor()
    cursor.execute("CREATE TEMP TABLE scratch AS SELECT * FROM users")  # rules do this
    cursor.execute("CREATE TEMP MACRO twice(x) AS x * 2")
    assert cursor.execute("SELECT twice(count(*)) FROM scratch").fetchone()
    assert cursor.execute("SELECT current_setting('TimeZone')").fetchone() == ("UTC",)
    run_check(snapshot, load_policy())


def test_the_analyst_database_is_locked_too(snapshot: Snapshot, tmp_path: Path) -> None:
    data = analyst_data(snapshot, KEY, 1)
    cursor = data.cursor()
    assert cursor.execute("SELECT count(*) FROM users").fetchone() == (1,)
    allowed = [s for s in escapes(tmp_path) if runs(data.cursor(), s)]
    assert allowed == []


def test_a_second_open_in_one_process_shares_the_locked_database(snapshot: Snapshot) -> None:
    again = open_snapshot(snapshot.path)
    with pytest.raises(duckdb.Error):
        again.cursor().execute("SELECT * FROM read_csv('/etc/passwd')")
    assert ingest(snapshot.path)[0].built is False


def test_stale_spill_folders_go_but_another_namespace_s_stay(tmp_path) -> None:
    """A spill folder names its process and that process's pid namespace: one of a
    process that has ended here goes; one of another namespace (a container sharing the
    cache, whose process ids mean nothing here) stays, its process perhaps still running."""
    import subprocess
    import sys

    from insight_workbench.atomic import writer_id
    from insight_workbench.loading.lockdown import remove_stale_spill_folders

    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    namespace = writer_id().split("-")[0]
    ours, theirs, older = (
        tmp_path / f"spill-{namespace}-{ended}-abc",
        tmp_path / f"spill-{int(namespace) + 1}-{ended}-abc",
        tmp_path / f"spill-{ended}-abc",
    )
    for folder in (ours, theirs, older):
        folder.mkdir()
    remove_stale_spill_folders(tmp_path)
    assert (ours.exists(), theirs.exists(), older.exists()) == (False, True, False)
