"""The analyst database is built once per snapshot and key into the cache folder."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from concurrent_runs import run_at_once
from loader_checks import VALID, valid_snapshot

from insight_workbench.analyst.cache import key_fingerprint
from insight_workbench.analyst.database import AnalystData, analyst_data
from insight_workbench.analyst.pseudonyms import pseudonym
from insight_workbench.loading.workspace import open_snapshot

KEY = b"cache-test-key-0123456789abcdef"
OTHER = b"cache-other-key-fedcba987654321"


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("INSIGHT_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return valid_snapshot(tmp_path / "s")


def pseudonyms(data: AnalystData) -> set[str]:
    cursor = data.cursor()
    try:
        return {row[0] for row in cursor.execute("SELECT user_pseudonym FROM users").fetchall()}
    finally:
        cursor.close()


def analyst_files(cache: Path) -> list[str]:
    return sorted(p.name for p in (cache / "analyst").iterdir())


def test_built_once_then_reused(folder: Path, own_cache: Path) -> None:
    first = analyst_data(open_snapshot(folder), KEY)
    assert first.built
    assert first.path is not None
    assert first.path.parent == own_cache / "analyst"
    before = first.path.stat()
    again = analyst_data(open_snapshot(folder), KEY)
    assert not again.built
    assert again.path == first.path
    after = again.path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    expected = {pseudonym(u["user_id"], KEY) for u in VALID["users"]}
    assert pseudonyms(again) == pseudonyms(first) == expected


def test_a_small_snapshot_s_analyst_data_is_read_on_one_thread(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INSIGHT_THREADS", raising=False)
    data = analyst_data(open_snapshot(folder), KEY)
    cursor = data.cursor()
    try:
        assert cursor.execute("SELECT current_setting('threads')").fetchall() == [(1,)]
    finally:
        cursor.close()


def test_another_key_gives_another_file_and_other_pseudonyms(folder: Path, own_cache: Path) -> None:
    snapshot = open_snapshot(folder)
    first = analyst_data(snapshot, KEY)
    second = analyst_data(snapshot, OTHER)
    assert second.built
    assert second.path != first.path
    assert not pseudonyms(first) & pseudonyms(second)
    assert pseudonyms(second) == {pseudonym(u["user_id"], OTHER) for u in VALID["users"]}
    # The older key's file of this snapshot is gone; the new one is the only one.
    assert analyst_files(own_cache) == [second.path.name]


def test_the_key_is_in_neither_the_file_name_nor_the_file(folder: Path) -> None:
    data = analyst_data(open_snapshot(folder), KEY)
    assert data.path is not None
    fingerprint = key_fingerprint(KEY)
    assert data.path.name.endswith(f"-{fingerprint}.duckdb")
    assert fingerprint != key_fingerprint(OTHER)
    content = data.path.read_bytes()
    for form in (KEY, KEY.hex().encode(), KEY.decode().upper().encode()):
        assert form not in data.path.name.encode()
        assert form not in content
    # Nor are the snapshot's identifiable values: the file holds the analyst tables only.
    for user in VALID["users"]:
        assert user["email"].encode() not in content
        assert user["name"].encode() not in content
    assert b"Acme" not in content
    assert b"10.0.0.1" not in content


def test_files_are_owner_only(folder: Path, own_cache: Path) -> None:
    data = analyst_data(open_snapshot(folder), KEY)
    assert data.path is not None
    assert stat.S_IMODE(data.path.stat().st_mode) == 0o600
    assert stat.S_IMODE((own_cache / "analyst").stat().st_mode) == 0o700
    assert stat.S_IMODE(own_cache.stat().st_mode) == 0o700


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_a_damaged_file_is_built_again(folder: Path, damage: str) -> None:
    first = analyst_data(open_snapshot(folder), KEY)
    expected = pseudonyms(first)
    first.close()
    assert first.path is not None
    content = first.path.read_bytes()
    damaged = {"truncated": content[: len(content) // 3], "garbage": b"\x00junk" * 999}
    first.path.write_bytes(damaged.get(damage, b""))
    again = analyst_data(open_snapshot(folder), KEY)
    assert again.built
    assert again.path == first.path
    assert pseudonyms(again) == expected


def test_concurrent_readers_share_one_build(folder: Path, own_cache: Path) -> None:
    script = (
        "import sys\n"
        "from insight_workbench.analyst.database import analyst_data\n"
        "from insight_workbench.loading.workspace import open_snapshot\n"
        f"data = analyst_data(open_snapshot(sys.argv[1]), {KEY!r})\n"
        "count = data.cursor().execute('SELECT count(*) FROM users').fetchone()[0]\n"
        "print(data.built, count)\n"
    )
    open_snapshot(folder).con.close()  # the workspace exists: the race is over the analyst file
    outputs = run_at_once(script, str(folder))
    assert [built for built, _ in outputs] == ["False", "False", "True"]
    assert {count for _, count in outputs} == {str(len(VALID["users"]))}
    assert len(analyst_files(own_cache)) == 1
