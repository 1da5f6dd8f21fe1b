"""A verified snapshot: only regular files inside the folder, hashed as they are read."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from loader_checks import VALID, valid_snapshot

from insight_workbench.errors import InputError
from insight_workbench.loading import safe_files
from insight_workbench.loading.workspace import ingest, open_snapshot
from insight_workbench.testing import build_snapshot


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSIGHT_CACHE_DIR", str(tmp_path / "cache"))


def test_a_symlinked_table_is_refused(tmp_path: Path) -> None:
    folder = valid_snapshot(tmp_path / "s")
    real = tmp_path / "elsewhere.csv"
    (folder / "users.csv").rename(real)
    (folder / "users.csv").symlink_to(real)
    with pytest.raises(InputError, match=r"^users\.csv: is a symbolic link"):
        open_snapshot(folder)


def test_an_unlisted_dataset_linking_outside_is_refused(tmp_path: Path) -> None:
    folder = valid_snapshot(tmp_path / "s")
    (folder / "deidentified").mkdir()
    (folder / "deidentified" / "pw.csv").symlink_to("/etc/passwd")
    with pytest.raises(InputError, match=r"^deidentified/pw\.csv: is a symbolic link") as error:
        open_snapshot(folder)
    assert "sha256" not in str(error.value)


def test_a_symlinked_deidentified_folder_is_refused(tmp_path: Path) -> None:
    folder = valid_snapshot(tmp_path / "s")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "data.csv").write_text("a\n1\n", encoding="utf-8")
    (folder / "deidentified").symlink_to(outside)
    with pytest.raises(InputError, match=r"^deidentified: is not a folder inside the snapshot"):
        open_snapshot(folder)


def test_a_fifo_is_refused_without_being_opened(tmp_path: Path) -> None:
    folder = valid_snapshot(tmp_path / "s")
    (folder / "deidentified").mkdir()
    os.mkfifo(folder / "deidentified" / "pipe.csv")  # opening it would block forever
    with pytest.raises(InputError, match=r"^deidentified/pipe\.csv: is not a regular file"):
        open_snapshot(folder)


def test_a_folder_name_with_glob_characters_reads_only_its_own_files(tmp_path: Path) -> None:
    assert VALID["users"]
    build_snapshot(tmp_path / "snap1", {**VALID, "users": []})  # what a glob would reach
    folder = valid_snapshot(tmp_path / "snap[1]")
    snapshot = open_snapshot(folder)
    assert snapshot.rows_loaded["users"] == len(VALID["users"])
    star = valid_snapshot(tmp_path / "a*?{b,c}")
    assert open_snapshot(star).rows_loaded["users"] == len(VALID["users"])


def test_a_dataset_named_like_a_glob_loads_as_itself(tmp_path: Path) -> None:
    folder = build_snapshot(
        tmp_path / "s", VALID, deidentified={"x[1]": ([{"region": "north", "n": "20"}], None)}
    )
    build_snapshot(
        tmp_path / "t",
        VALID,
        deidentified={"x1": ([{"region": "south", "n": "30"}], None)},
    )
    os.rename(tmp_path / "t" / "deidentified" / "x1.csv", folder / "deidentified" / "x1.csv")
    document = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    (folder / "manifest.json").write_text(json.dumps(document), encoding="utf-8")
    snapshot = open_snapshot(folder)
    rows = snapshot.cursor().execute('SELECT region FROM "deidentified__x[1]"').fetchall()
    assert rows == [("north",)]


def test_the_loaded_bytes_are_the_hashed_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file swapped right after it was hashed must not reach the workspace: the loader
    reads the copy made while hashing, never the export again."""
    folder = valid_snapshot(tmp_path / "s")
    users = folder / "users.csv"
    lines = users.read_text(encoding="utf-8").splitlines()
    copy_hashing = safe_files.copy_hashing

    def swap_after_hashing(path: Path, where: str, target: Path) -> str:
        digest = copy_hashing(path, where, target)
        if path.name == "users.csv":  # the attacker swaps the file once it was hashed
            path.write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")
        return digest

    monkeypatch.setattr("insight_workbench.loading.verified_files.copy_hashing", swap_after_hashing)
    _, snapshot = ingest(folder)
    assert snapshot.rows_loaded["users"] == len(VALID["users"])


def test_a_changed_file_is_refused_naming_both_hashes(tmp_path: Path) -> None:
    folder = valid_snapshot(tmp_path / "s")
    with (folder / "users.csv").open("a", encoding="utf-8") as handle:
        handle.write("\n")
    with pytest.raises(InputError, match=r"^users: sha256 of users\.csv is [0-9a-f]{64}, the"):
        open_snapshot(folder)


def test_every_dataset_is_hashed_and_unlisted_ones_are_recorded(tmp_path: Path) -> None:
    folder = build_snapshot(
        tmp_path / "s", VALID, deidentified={"agg": ([{"month": "2026-01", "n": "12"}], None)}
    )
    document = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    del document["tables"]["deidentified/agg"]
    (folder / "manifest.json").write_text(json.dumps(document), encoding="utf-8")
    snapshot = open_snapshot(folder)
    files = dict(
        (key, (sha, listed))
        for key, sha, listed in snapshot.cursor()
        .execute("SELECT key, sha256, listed FROM snapshot_files")
        .fetchall()
    )
    assert files["deidentified/agg"][1] is False
    assert len(files["deidentified/agg"][0]) == 64
    assert files["users"][1] is True
    # An unlisted dataset is not pinned by the manifest: changing it rebuilds.
    (folder / "deidentified" / "agg.csv").write_text("month,n\n2026-02,15\n", encoding="utf-8")
    changed, reopened = ingest(folder)
    assert changed.built
    assert reopened.cursor().execute('SELECT n FROM "deidentified__agg"').fetchall() == [("15",)]


def test_a_symlinked_manifest_is_refused(tmp_path: Path) -> None:
    folder = valid_snapshot(tmp_path / "s")
    (folder / "manifest.json").rename(tmp_path / "manifest.json")
    (folder / "manifest.json").symlink_to(tmp_path / "manifest.json")
    with pytest.raises(InputError, match=r"^manifest\.json: is a symbolic link"):
        open_snapshot(folder)
