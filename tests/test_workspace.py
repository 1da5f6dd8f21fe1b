"""The workspace: a snapshot verified and typed once, then reopened read-only."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pytest
from cli_runner import run_cli, run_script
from concurrent_runs import run_at_once
from loader_checks import VALID, valid_snapshot

from insight_workbench import emails
from insight_workbench.errors import InputError
from insight_workbench.loading import cached_database, known_folders, lockdown, workspace
from insight_workbench.loading.lockdown import Settings
from insight_workbench.loading.manifest import write_manifest
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.loading.workspace import ingest, open_snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules.runner import run_check
from insight_workbench.testing import build_snapshot

pytestmark = pytest.mark.slow  # started first: see tests/conftest.py


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("INSIGHT_CACHE_DIR", str(cache))
    return cache


def users(snapshot_con: object) -> int:
    row = snapshot_con.execute("SELECT count(*) FROM users").fetchone()  # type: ignore[attr-defined]
    return int(row[0])


def test_built_once_then_reused(tmp_path: Path) -> None:
    folder = valid_snapshot(tmp_path / "s")
    first, snapshot = ingest(folder)
    assert first.built
    assert first.path.is_file()
    snapshot.con.close()
    again, reopened = ingest(folder)
    assert not again.built
    assert again.path == first.path
    assert users(reopened.cursor()) == len(VALID["users"])
    assert reopened.rows_loaded["users"] == len(VALID["users"])
    assert reopened.manifest.snapshot_id == "s"


def test_folders_made_for_the_cache_are_the_owner_s_and_existing_ones_keep_their_mode(
    tmp_path: Path, own_cache: Path
) -> None:
    """A new cache holds personal data: the owner's alone. A cache shared on purpose (a
    team's folder, its `tmp` open to all) is never narrowed, nor a read-only one widened."""
    first = valid_snapshot(tmp_path / "s")
    ingest(first)[1].con.close()
    for made in (own_cache, own_cache / "workspaces", own_cache / "tmp", own_cache / "locks"):
        assert stat.S_IMODE(made.stat().st_mode) == 0o700, made
    team = tmp_path / "team"
    (team / "tmp").mkdir(parents=True)
    team.chmod(0o2775)
    (team / "tmp").chmod(0o1777)
    os.environ["INSIGHT_CACHE_DIR"] = str(team)  # the fixture's monkeypatch restores it
    built, snapshot = ingest(first)
    snapshot.con.close()
    assert built.built
    assert stat.S_IMODE(team.stat().st_mode) == 0o2775
    assert stat.S_IMODE((team / "tmp").stat().st_mode) == 0o1777
    assert stat.S_IMODE((team / "workspaces").stat().st_mode) == 0o700


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to another user needs root")
def test_a_cache_folder_of_another_user_open_to_all_is_refused(
    tmp_path: Path, own_cache: Path
) -> None:
    """`/tmp/workspaces` made first by someone else, writable by all: they could remove or
    swap what is built there. Refused, naming the setting; nothing is built."""
    (own_cache / "workspaces").mkdir(parents=True)
    os.chown(own_cache / "workspaces", 65534, 65534)  # nobody's
    (own_cache / "workspaces").chmod(0o777)
    done = run_cli("validate", valid_snapshot(tmp_path / "s"))
    assert done.returncode == 2
    assert done.stderr == (
        f"error: INSIGHT_CACHE_DIR: {own_cache / 'workspaces'} is another user's folder that "
        "anyone may write to: choose a cache folder of your own\n"
    )
    assert list((own_cache / "workspaces").iterdir()) == []
    (own_cache / "workspaces").chmod(0o1777)  # with the sticky bit, only their own files
    assert run_cli("validate", valid_snapshot(tmp_path / "s2")).returncode in (0, 1)


def _cut_to_header(file: Path) -> None:
    file.write_text(file.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")


def test_a_file_altered_after_ingest_is_refused_as_on_first_load(tmp_path: Path) -> None:
    """The manifest does not change when a file it lists is truncated: the workspace it
    names must not answer for the altered export."""
    folder = valid_snapshot(tmp_path / "s")
    ingest(folder)[1].con.close()
    _cut_to_header(folder / "users.csv")
    result = run_cli("validate", folder)
    assert result.returncode == 2
    assert result.stderr.startswith("error: users: sha256 of users.csv is ")
    assert "the manifest expects" in result.stderr
    assert run_cli("check", folder).returncode == 2
    (folder / "users.csv").unlink()
    missing = run_cli("check", folder)
    assert missing.returncode == 2
    assert "required table 'users' is missing" in missing.stderr


def test_another_folder_with_the_same_manifest_is_hashed_before_reuse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = valid_snapshot(tmp_path / "s")
    first, snapshot = ingest(folder)
    snapshot.con.close()
    hashed: list[Path] = []
    real_check = known_folders.check_in_place
    monkeypatch.setattr(
        known_folders,
        "check_in_place",
        lambda sources, manifest: (
            hashed.append(sources[0].path.parent),
            real_check(sources, manifest),
        ),
    )
    ingest(folder)[1].con.close()  # the folder it was built from: not read again
    assert hashed == []
    intact, altered = tmp_path / "intact", tmp_path / "altered"
    for copy in (intact, altered):
        shutil.copytree(folder, copy)  # other files (inodes), the same bytes
    _cut_to_header(altered / "users.csv")
    with pytest.raises(InputError, match=r"sha256 of users\.csv"):
        ingest(altered)
    reused, snapshot = ingest(intact)  # the same bytes: reused, not loaded again
    assert (reused.built, reused.path) == (False, first.path)
    assert users(snapshot.cursor()) == len(VALID["users"])
    assert hashed == [altered, intact]
    ingest(intact)[1].con.close()  # remembered
    os.utime(intact / "users.csv")  # touched, not changed: hashed again, still reused
    assert ingest(intact)[0].built is False
    assert hashed == [altered, intact, intact]


def test_an_unlisted_file_is_never_hashed_before_a_reuse(tmp_path: Path) -> None:
    """Only the files a first load checks are hashed before a reuse; a manifest entry
    for a file that is no table would be checked against nothing, and is refused."""
    folder = valid_snapshot(tmp_path / "s")
    (folder / "README.txt").write_text("notes\n", encoding="utf-8")
    assert run_cli("validate", folder).returncode == 0
    os.utime(folder / "users.csv")
    (folder / "README.txt").write_text("other notes\n", encoding="utf-8")
    assert run_cli("validate", folder).returncode == 0
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["tables"]["readme"] = {"file": "README.txt", "rows": 1, "sha256": "0" * 64}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert run_cli("validate", folder).returncode == 2


def test_an_entry_naming_another_dataset_s_file_is_refused(tmp_path: Path) -> None:
    """Listed under another key, a dataset's file would load unpinned: its hash unchecked."""
    datasets = {"agg": ([{"month": "2026-01", "n": "12"}], {"kind": "aggregate"})}
    folder = build_snapshot(tmp_path / "s", VALID, deidentified=datasets)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["tables"].pop("deidentified/agg")
    manifest["tables"]["deidentified/Agg"] = {**entry, "sha256": "0" * 64}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = run_cli("validate", folder)
    assert (result.returncode, result.stderr) == (
        2,
        "error: manifest.json: table 'deidentified/Agg' lists 'deidentified/agg.csv', "
        "the file of 'deidentified/agg'\n",
    )


def test_a_copy_whose_datasets_folder_is_a_link_is_refused_as_on_first_load(
    tmp_path: Path,
) -> None:
    datasets = {"agg": ([{"month": "2026-01", "n": "12"}], {"kind": "aggregate"})}
    folder = build_snapshot(tmp_path / "s", VALID, deidentified=datasets)
    ingest(folder)[1].con.close()
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("deidentified"))
    (copy / "deidentified").symlink_to(folder / "deidentified")
    result = run_cli("validate", copy)
    assert result.returncode == 2
    assert result.stderr.startswith("error: deidentified: ")


def test_a_changed_unlisted_dataset_names_another_workspace(tmp_path: Path) -> None:
    """Files the manifest does not pin are keyed by their bytes, whatever their size and
    time."""
    datasets = {"agg": ([{"month": "2026-01", "n": "12"}], {"kind": "aggregate"})}
    folder = build_snapshot(tmp_path / "s", VALID, deidentified=datasets)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    del manifest["tables"]["deidentified/agg"]
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    first = ingest(folder)
    first[1].con.close()
    dataset = folder / "deidentified" / "agg.csv"
    times = os.stat(dataset)
    dataset.write_text(dataset.read_text(encoding="utf-8").replace("12", "13"), encoding="utf-8")
    os.utime(dataset, ns=(times.st_atime_ns, times.st_mtime_ns))  # same size, same time
    again, snapshot = ingest(folder)
    assert again.built
    assert again.path != first[0].path
    rows = snapshot.cursor().execute("SELECT n FROM deidentified__agg").fetchall()
    assert rows == [("13",)]


@pytest.mark.parametrize("changed", ["agg.csv", "agg.meta.json"])
def test_an_unlisted_file_changed_while_it_is_read_builds_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, changed: str
) -> None:
    """The workspace is named for the bytes of the unpinned files, hashed first; they are
    read again to build it. A file changed between the two reads (another build held
    the lock meanwhile) is refused, not built into a workspace named for other bytes."""
    datasets = {"agg": ([{"month": "2026-01", "n": "12"}], {"kind": "aggregate"})}
    folder = build_snapshot(tmp_path / "s", VALID, deidentified=datasets)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    del manifest["tables"]["deidentified/agg"]
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    target = folder / "deidentified" / changed
    hashed = workspace.loose_digests

    def hashed_then_changed(sources: list, manifest: object) -> list[tuple[str, str]]:
        digests = hashed(sources, manifest)
        text = target.read_bytes()
        target.write_bytes(text.replace(b"12", b"13").replace(b"aggregate", b"microdata"))
        return digests

    monkeypatch.setattr(workspace, "loose_digests", hashed_then_changed)
    with pytest.raises(InputError, match=f"{changed}: changed while the snapshot was read"):
        ingest(folder)
    assert not list((tmp_path / "cache" / "workspaces").glob("*.duckdb"))
    monkeypatch.setattr(workspace, "loose_digests", hashed)
    built, snapshot = ingest(folder)  # run again: the file as it is now
    assert built.built
    snapshot.con.close()


def test_reopened_snapshot_is_complete(tmp_path: Path) -> None:
    folder = build_snapshot(
        tmp_path / "s",
        VALID,
        deidentified={"agg": ([{"month": "2026-01", "n": "12"}], {"kind": "aggregate"})},
        extra_columns={"users": ["favourite_colour"]},
    )
    built = open_snapshot(folder)
    reused = open_snapshot(folder)
    for snapshot in (built, reused):
        assert snapshot.deidentified[0].columns == ("month", "n")
        assert snapshot.deidentified[0].meta == {"kind": "aggregate"}
        assert snapshot.extra_columns["users"] == ["favourite_colour"]
    assert built.loads == reused.loads
    assert built.credential_columns == reused.credential_columns


def test_a_changed_snapshot_is_built_again(tmp_path: Path) -> None:
    folder = valid_snapshot(tmp_path / "s")
    first, _ = ingest(folder)
    lines = (folder / "users.csv").read_text(encoding="utf-8").splitlines()
    (folder / "users.csv").write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    write_manifest(folder, first_export(folder))
    second, snapshot = ingest(folder)
    assert second.built
    assert second.path != first.path
    assert snapshot.rows_loaded["users"] == len(VALID["users"]) - 1


def first_export(folder: Path):  # type: ignore[no-untyped-def]
    from insight_workbench.loading.manifest import read_manifest

    return read_manifest(folder).exported_at


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_a_damaged_workspace_is_built_again(tmp_path: Path, damage: str) -> None:
    folder = valid_snapshot(tmp_path / "s")
    first, snapshot = ingest(folder)
    snapshot.con.close()
    data = first.path.read_bytes()
    damaged = {"truncated": data[: len(data) // 3], "garbage": b"\x00junk" * 999, "empty": b""}
    first.path.write_bytes(damaged[damage])
    second, reopened = ingest(folder)
    assert second.built
    assert second.path == first.path
    assert reopened.rows_loaded["users"] == len(VALID["users"])


def test_a_stale_loader_version_is_built_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = valid_snapshot(tmp_path / "s")
    with monkeypatch.context() as patch:
        patch.setattr(workspace, "LOADER_VERSION", workspace.LOADER_VERSION - 1)
        old, snapshot = ingest(folder)
        snapshot.con.close()
    new, _ = ingest(folder)
    assert new.built
    assert new.path != old.path
    assert not old.path.exists()  # the older workspace of this snapshot is removed


def test_a_new_email_key_edition_is_built_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workspace stores each held address's key: a changed `email_key` (or Unicode
    version) must not reuse keys it would no longer compute."""
    folder = valid_snapshot(tmp_path / "s")
    old, snapshot = ingest(folder)
    snapshot.con.close()
    with monkeypatch.context() as patch:
        patch.setattr(emails, "KEY_EDITION", f"{emails.KEY_EDITION}+changed")
        new, _ = ingest(folder)
    assert new.built
    assert new.path != old.path


def test_a_crashed_build_leaves_nothing_in_the_way(tmp_path: Path, own_cache: Path) -> None:
    folder = valid_snapshot(tmp_path / "s")
    checksum = first_checksum(folder)
    (own_cache / "tmp").mkdir(parents=True)
    leftover = own_cache / "tmp" / f"build-{checksum[:16]}-999999-dead.duckdb"
    leftover.write_bytes(b"half a database")
    (own_cache / "tmp" / f"copies-{checksum[:16]}-999999-dead").mkdir()
    built, _ = ingest(folder)
    assert built.built
    assert sorted(p.name for p in (own_cache / "tmp").iterdir() if "spill" not in p.name) == []


# A build that stops once it has copied the export and begun its database, and says so.
STALLED_BUILD = """
import sys, time
from pathlib import Path
from insight_workbench.loading import workspace

def stall(*_args, **_kwargs):
    Path(sys.argv[2]).write_text("copied")
    time.sleep(600)

workspace.load_tables = stall
workspace.ingest(sys.argv[1])
"""


def stalled_build(folder: Path, started: Path) -> subprocess.Popen[bytes]:
    """A build of `folder` in another process, waited for until it has copied the export."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    child = subprocess.Popen(
        [sys.executable, "-c", STALLED_BUILD, str(folder), str(started)], env=env
    )
    deadline = time.monotonic() + 120
    while not started.exists():
        assert child.poll() is None, "the build ended before it copied the export"
        assert time.monotonic() < deadline, "the build never started"
        time.sleep(0.05)
    return child


def scratch(own_cache: Path) -> list[str]:
    """A build's temporary entries in the cache's tmp/ (spill folders aside)."""
    return sorted(
        p.name.split("-")[0] for p in (own_cache / "tmp").iterdir() if "spill" not in p.name
    )


def test_a_killed_build_is_removed_by_the_next_opening_of_any_snapshot(
    tmp_path: Path, own_cache: Path
) -> None:
    """A build killed midway leaves copies of the export (personal data): they go as soon as
    anything opens the cache, not only when that snapshot is built again; a build still
    running in another process keeps its own."""
    killed = valid_snapshot(tmp_path / "killed", exported_at="2026-11-29T02:00:00Z")
    other = valid_snapshot(tmp_path / "other")
    child = stalled_build(killed, tmp_path / "started")
    try:
        ingest(other)[1].con.close()  # built while the other build runs
        assert scratch(own_cache) == ["build", "copies"]  # the running build's, untouched
    finally:
        child.kill()  # as kill -9: nothing of it runs again
        child.wait()
    again, snapshot = ingest(other)
    snapshot.con.close()
    assert not again.built
    assert scratch(own_cache) == []


def first_checksum(folder: Path) -> str:
    from insight_workbench.loading.manifest import read_manifest

    return read_manifest(folder).checksum


def test_the_export_folder_is_never_written(tmp_path: Path) -> None:
    folder = valid_snapshot(tmp_path / "s")
    before = listing(folder)
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        built, _ = ingest(folder)
        assert built.built
    finally:
        for path in [folder, *folder.rglob("*")]:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
    assert listing(folder) == before


def listing(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in [folder, *folder.rglob("*")]
    }


def test_a_cache_the_reader_cannot_write_is_still_read(
    tmp_path: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workspaces built by someone else (or on a read-only mount): a reader that cannot
    make its spill folder in the cache spills to the system's temp folder instead."""
    folder = valid_snapshot(tmp_path / "s")
    ingest(folder)[1].con.close()
    monkeypatch.setattr(lockdown, "_spill", {})  # the reader is another process
    shutil.rmtree(own_cache / "tmp")
    (own_cache / "tmp").write_text("")  # no folder can be made there
    again, snapshot = ingest(folder)
    assert not again.built
    assert users(snapshot.cursor()) == len(VALID["users"])
    spill = snapshot.cursor().execute("SELECT current_setting('temp_directory')").fetchone()
    assert spill is not None
    assert Path(spill[0]).parent == Path(tempfile.gettempdir())
    assert Path(spill[0]).name.startswith("insight-workbench-spill-")
    snapshot.con.close()


def test_a_spill_folder_setting_that_cannot_be_used_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "not-a-folder").write_text("")
    monkeypatch.setenv("INSIGHT_TEMP_DIR", str(tmp_path / "not-a-folder"))
    result = run_cli("validate", valid_snapshot(tmp_path / "s"))
    assert result.returncode == 2
    assert result.stderr == (
        f"error: INSIGHT_TEMP_DIR: {tmp_path / 'not-a-folder'}: cannot hold a spill folder "
        "(Not a directory)\n"
    )


def test_two_processes_open_one_snapshot_at_once(tmp_path: Path) -> None:
    folder = valid_snapshot(tmp_path / "s")
    script = (
        "import sys; from insight_workbench.loading.workspace import ingest; "
        "w, s = ingest(sys.argv[1]); "
        "print(w.built, s.cursor().execute('SELECT count(*) FROM users').fetchone()[0])"
    )
    outputs = run_at_once(script, str(folder))
    # One process built the workspace; the others waited for it and reused it.
    assert [built for built, _ in outputs] == ["False", "False", "True"]
    assert {count for _, count in outputs} == {str(len(VALID["users"]))}


def test_loading_and_checking_fit_in_a_small_memory_limit(sample_path: Path) -> None:
    settings = Settings(threads=1, memory_limit="1GB")
    built, snapshot = ingest(sample_path, settings)
    assert built.built
    limit = snapshot.cursor().execute("SELECT current_setting('memory_limit')").fetchone()
    assert limit
    assert limit[0] in ("953.6 MiB", "1000.0 MB", "1.0 GB", "1.0 GiB")
    result = run_check(snapshot, load_policy())
    assert result.findings


def setting(con: duckdb.DuckDBPyConnection, name: str) -> object:
    """A DuckDB setting as `con` (a snapshot's cursor, or a plain connection) reads it."""
    return con.execute(f"SELECT current_setting('{name}')").fetchall()[0][0]


def memory_limit(snapshot: Snapshot) -> str:
    return str(setting(snapshot.cursor(), "memory_limit"))


def test_a_workspace_is_read_with_the_reading_settings(tmp_path: Path) -> None:
    folder = valid_snapshot(tmp_path / "s")
    built, snapshot = ingest(folder, Settings(), reading=Settings(memory_limit="256MB"))
    assert built.built
    assert memory_limit(snapshot) == "244.1 MiB"  # 256 MB in DuckDB's words
    snapshot.con.close()
    again = open_snapshot(folder)
    assert memory_limit(again) != "244.1 MiB"  # the default reads as it builds


def threads(snapshot: Snapshot) -> int:
    return int(str(setting(snapshot.cursor(), "threads")))


def default_threads() -> int:
    with duckdb.connect() as default:
        return int(str(setting(default, "threads")))


def test_a_small_snapshot_is_built_and_read_on_one_thread_unless_threads_are_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INSIGHT_THREADS", raising=False)
    folder = valid_snapshot(tmp_path / "s")
    built, snapshot = ingest(folder)
    assert built.built
    assert threads(snapshot) == 1
    snapshot.con.close()  # DuckDB would hand the same (locked) instance to the next open
    built, snapshot = ingest(folder, Settings(threads=2))
    assert not built.built
    assert threads(snapshot) == 2


def test_a_table_past_one_row_group_keeps_every_core(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INSIGHT_THREADS", raising=False)
    events = [
        {**VALID["usage_events"][0], "event_id": f"E{n}"}
        for n in range(workspace.ROW_GROUP_ROWS + 1)
    ]
    folder = build_snapshot(tmp_path / "s", {**VALID, "usage_events": events})
    snapshot = open_snapshot(folder)
    assert threads(snapshot) == default_threads()
    assert snapshot.loads["usage_events"].rows_loaded == len(events)


def test_an_unlisted_dataset_keeps_every_core(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its rows are not known before it is read: it may hold millions.
    monkeypatch.delenv("INSIGHT_THREADS", raising=False)
    folder = valid_snapshot(tmp_path / "s")
    (folder / "deidentified").mkdir()
    (folder / "deidentified" / "unlisted.csv").write_text("region,n\nnorth,12\n", "utf-8")
    snapshot = open_snapshot(folder)
    assert [d.name for d in snapshot.deidentified] == ["unlisted"]
    assert threads(snapshot) == default_threads()


def test_ingest_command_prints_the_workspace_and_counts(tmp_path: Path) -> None:
    folder = valid_snapshot(tmp_path / "s")
    # The console script itself: the one subprocess run of `ingest`.
    result = run_script("ingest", folder, "--threads", "1", "--memory-limit", "512MB")
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith("Workspace: ")
    assert first.endswith("(built)")
    assert any(
        line.split()[:3] == ["users", str(len(VALID["users"])), "0"]
        for line in result.stdout.splitlines()
    )
    again = run_cli("ingest", folder)
    assert again.stdout.splitlines()[0].endswith("(reused)")


def test_ingest_shows_a_dataset_name_s_controls_as_escapes(tmp_path: Path) -> None:
    """A dataset is named by its file: `ESC[31m` or a bidi override in that name would
    act on the terminal, as it would in every other command's tables."""
    folder = valid_snapshot(tmp_path / "s")
    (folder / "deidentified").mkdir()
    (folder / "deidentified" / "ds\x1b[31mX\u202e.csv").write_text("region,n\nnorth,12\n")
    write_manifest(folder, first_export(folder))
    result = run_cli("ingest", folder)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout
    assert "\u202e" not in result.stdout
    [line] = [line for line in result.stdout.splitlines() if line.startswith("deidentified/")]
    assert line.split() == ["deidentified/ds\\x1b[31mX\\u202e", "1", "0"]


@pytest.mark.parametrize(
    "args",
    [
        ["no-such-folder"],
        ["{snapshot}", "--threads", "0"],
        ["{snapshot}", "--threads", "257"],
        ["{snapshot}", "--threads", "abc"],
        ["{snapshot}", "--memory-limit", "lots"],
    ],
)
def test_ingest_command_refuses_with_one_line(tmp_path: Path, args: list[str]) -> None:
    folder = valid_snapshot(tmp_path / "s")
    result = run_cli("ingest", *[a.replace("{snapshot}", str(folder)) for a in args])
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    if "--memory-limit" in args:
        assert result.stderr.startswith("error: --memory-limit: must be a size")


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "INSIGHT_MEMORY_LIMIT",
            "lots",
            "INSIGHT_MEMORY_LIMIT: must be a size such as 1GB or 512MB",
        ),
        ("INSIGHT_THREADS", "0", "INSIGHT_THREADS: must be at least 1"),
        ("INSIGHT_THREADS", "100000", "INSIGHT_THREADS: must be at most 256"),
    ],
)
def test_a_bad_setting_in_the_environment_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    result = run_cli("validate", valid_snapshot(tmp_path / "s"))
    assert (result.returncode, result.stderr) == (2, f"error: {message}\n")


@pytest.mark.parametrize("limit", ["1KB", "200KB"])
def test_a_memory_limit_too_small_to_build_is_named_not_blamed_on_a_file(
    tmp_path: Path, own_cache: Path, limit: str
) -> None:
    result = run_cli("ingest", "--memory-limit", limit, valid_snapshot(tmp_path / "s"))
    assert (result.returncode, result.stderr) == (
        2,
        f"error: {own_cache}: the workspace could not be built: out of memory: raise the "
        "memory limit (--memory-limit, INSIGHT_MEMORY_LIMIT)\n",
    )
    assert list((own_cache / "workspaces").iterdir()) == []
    assert [p.name for p in (own_cache / "tmp").iterdir() if "spill" not in p.name] == []


def test_a_block_failing_its_checksum_is_removed_and_built_again(
    tmp_path: Path, sample_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB checks a block when a query reads it, not when the file opens: the command
    then says so in one line (exit 2) and removes the file, and the next run rebuilds it."""
    monkeypatch.setattr(cached_database, "OPENED", set())  # this test's files only
    folder = Path(shutil.copytree(sample_path, tmp_path / "s"))
    fresh = run_cli("check", folder, "--format", "json")
    built, snapshot = ingest(folder)
    snapshot.con.close()
    workspace_file = built.path
    whole = workspace_file.read_bytes()
    damaged = None
    for block in range(len(whole) // 262_144):  # one block at a time, until a query reads it
        changed = bytearray(whole)
        start = 12_288 + block * 262_144 + 1_000
        changed[start : start + 64] = b"\x5a" * 64
        workspace_file.write_bytes(changed)
        done = run_cli("check", folder, "--format", "json")
        assert "Traceback" not in done.stderr
        if done.returncode == 2:
            damaged = done
            break
        assert done.stdout == fresh.stdout  # an unread block: the same answer
    assert damaged is not None, "no damaged block was read"
    assert damaged.stderr.count("\n") == 1
    assert "damaged (a block fails its checksum); removed" in damaged.stderr
    assert not workspace_file.exists()
    again = run_cli("check", folder, "--format", "json")
    assert (again.returncode, again.stdout) == (fresh.returncode, fresh.stdout)


def test_a_folder_in_the_way_of_the_workspace_is_named(tmp_path: Path) -> None:
    folder = valid_snapshot(tmp_path / "s")
    built, snapshot = ingest(folder)
    snapshot.con.close()
    built.path.unlink()
    built.path.mkdir()
    done = run_cli("check", folder)
    assert done.returncode == 2
    assert done.stderr == f"error: {built.path}: a folder is in the way of the cache's file\n"
    assert not list((tmp_path / "cache" / "tmp").glob("build-*"))  # the build's file is gone


def test_a_relative_xdg_cache_home_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    """The XDG specification ignores a relative path: the cache (and the default ledger
    in it) moved with the working folder, so `history` run elsewhere saw no runs."""
    monkeypatch.delenv("INSIGHT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", ".cache")
    assert lockdown.cache_dir() == Path.home() / ".cache" / "insight-workbench"
    monkeypatch.setenv("XDG_CACHE_HOME", "/srv/cache")
    assert lockdown.cache_dir() == Path("/srv/cache/insight-workbench")


def test_a_cache_or_spill_folder_under_tilde_is_in_the_home_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A quoted `~/cache` made a folder named `~` in the working folder."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("INSIGHT_CACHE_DIR", "~/cache")
    monkeypatch.setenv("INSIGHT_TEMP_DIR", "~/spill")
    assert lockdown.cache_dir() == tmp_path / "cache"
    assert lockdown.settings_from_env().temp_dir == tmp_path / "spill"


def test_a_folder_just_changed_on_a_file_system_of_whole_seconds_is_not_remembered() -> None:
    """There a rewrite of the same size in the second of the last write keeps every time:
    the folder was remembered as checked and its old answers served (racy timestamps)."""
    now = 1_800_000_000 * known_folders.SECOND_NS
    moment = now - known_folders.RACY_NS
    assert known_folders.racy(now, now, moment)  # whole seconds, just changed
    assert not known_folders.racy(now + 123, now + 456, moment)  # nanoseconds: seen
    old = moment - known_folders.SECOND_NS
    assert not known_folders.racy(old, old, moment)  # changed long before


def test_a_workspace_missing_a_table_is_built_again(tmp_path: Path) -> None:
    """One dropped by hand (the rows held per user) was opened as it was: `check` ended in
    a traceback and exit 1, "findings reported", on every run after."""
    folder = valid_snapshot(tmp_path / "s")
    first, snapshot = ingest(folder)
    snapshot.con.close()
    with duckdb.connect(str(first.path)) as con:
        con.execute("DROP TABLE iw_held")
    again, snapshot = ingest(folder)
    try:
        assert again.built
        assert snapshot.cursor().execute("SELECT count(*) FROM iw_held").fetchone() is not None
    finally:
        snapshot.con.close()


@pytest.mark.parametrize(
    ("variable", "inside"), [("INSIGHT_CACHE_DIR", ".cache"), ("INSIGHT_TEMP_DIR", "spill")]
)
def test_a_cache_or_spill_folder_inside_the_snapshot_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, inside: str
) -> None:
    """The export folder is never written to: a cache or spill folder set inside it (or
    the snapshot folder itself) would put the workbench's files among the snapshot's."""
    folder = valid_snapshot(tmp_path / "s")
    before = sorted(p.name for p in folder.iterdir())
    monkeypatch.setenv("INSIGHT_CACHE_DIR", str(tmp_path / "cache"))
    for setting in (folder / inside, folder):
        monkeypatch.setenv(variable, str(setting))
        with pytest.raises(InputError) as raised:
            workspace.open_snapshot(folder, lockdown.settings_from_env())
        assert str(raised.value) == (
            f"{variable}: {setting} is inside the snapshot folder {folder}, which is never "
            "written to; choose a folder outside it"
        )
    assert sorted(p.name for p in folder.iterdir()) == before
