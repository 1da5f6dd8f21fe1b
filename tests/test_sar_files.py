"""The files of a subject-access pack: safe CSV, true JSON, README, manifest, folder and zip."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import stat
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sar_people import GONE, INJECTIONS, JANE, JANE_EMAIL

from insight_workbench.errors import InputError
from insight_workbench.loading.snapshot import Snapshot, load_snapshot
from insight_workbench.subject_requests.pack import (
    PACK_TABLES,
    SubjectPack,
    build_pack,
    pack_files,
    pack_zip_bytes,
    write_pack,
)
from insight_workbench.subject_requests.pack_files import TABLE_MEANINGS
from insight_workbench.testing import build_snapshot

GENERATED = datetime(2026, 11, 29, 8, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def jane(people: Snapshot) -> SubjectPack:
    return build_pack(people, user_id=JANE, generated_at=GENERATED)


def _csv(files: dict[str, bytes], table: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(files[f"csv/{table}.csv"].decode("utf-8-sig"))))


def _json(files: dict[str, bytes], table: str) -> list[dict]:
    return json.loads(files[f"json/{table}.json"])


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("logins", "user_agent"),
        ("logins", "referrer"),
        ("users", "telephone"),
        ("users", "nickname"),
        ("users", "name"),
    ],
)
def test_formula_injection_round_trips_safely(jane: SubjectPack, table: str, column: str) -> None:
    files = pack_files(jane)
    value = INJECTIONS[column]
    assert value in [r[column] for r in _json(files, table)]  # JSON: the true value
    cells = [r[column] for r in _csv(files, table)]
    assert "'" + value in cells  # CSV: prefixed so a spreadsheet shows text
    assert value not in cells


def test_text_that_is_safe_and_non_text_columns_are_not_prefixed(jane: SubjectPack) -> None:
    files = pack_files(jane)
    logins = _csv(files, "logins")
    assert [r["ts"] for r in logins] == [
        "2026-06-01T09:15:00Z",  # written 10:15+01:00: shown in UTC
        "2026-06-02T08:00:00Z",
        "2026-06-03T08:00:00Z",
    ]
    assert [r["success"] for r in logins] == ["true", "false", "true"]
    assert logins[2]["user_agent"] == "Mozilla/5.0"
    assert _json(files, "logins")[0]["ts"] == "2026-06-01T09:15:00Z"
    assert [r["success"] for r in _json(files, "logins")] == [True, False, True]
    events = _csv(files, "usage_events")
    assert [r["event_type"] for r in events] == ["report_run", "'-map_view"]


def test_csv_and_json_hold_the_same_rows(jane: SubjectPack) -> None:
    files = pack_files(jane)
    for table in PACK_TABLES:
        rows_csv, rows_json = _csv(files, table), _json(files, table)
        assert len(rows_csv) == len(rows_json) == jane.row_counts[table]
        assert all(list(a) == list(b) for a, b in zip(rows_csv, rows_json, strict=True))


def test_manifest_lists_every_file_with_rows_and_sha256(jane: SubjectPack) -> None:
    files = pack_files(jane)
    manifest = json.loads(files["manifest.json"])
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert set(listed) == set(files) - {"manifest.json"}
    for path, entry in listed.items():
        assert entry["sha256"] == hashlib.sha256(files[path]).hexdigest()
        assert entry["bytes"] == len(files[path])
        if entry["table"]:
            assert entry["rows"] == jane.row_counts[entry["table"]]
    assert manifest["tables"] == jane.row_counts
    assert manifest["snapshot"]["snapshot_id"] == jane.snapshot_id
    assert manifest["snapshot"]["exported_at"] == "2026-11-28T02:00:00Z"
    assert manifest["generated_at"] == "2026-11-29T08:30:00Z"
    assert manifest["data_held"] is True
    assert manifest["user_ids"] == [JANE]


def test_readme_names_the_snapshot_tables_and_dates(jane: SubjectPack) -> None:
    readme = pack_files(jane)["README.txt"].decode("utf-8")
    for text in (jane.snapshot_id, "2026-11-28T02:00:00Z", "2026-11-29T08:30:00Z", JANE):
        assert text in readme
    for table, count in jane.row_counts.items():
        assert f"{table:<17} {count:>6}" in readme
    assert "NO DATA HELD" not in readme


def test_readme_explains_every_table_of_the_pack(jane: SubjectPack) -> None:
    readme = pack_files(jane)["README.txt"].decode("utf-8")
    assert set(TABLE_MEANINGS) == set(PACK_TABLES) == set(jane.tables)
    for table in PACK_TABLES:
        assert f"  {table}: " in readme


@pytest.mark.parametrize("kwargs", [{"email": "nobody@example.com"}, {"user_id": "usr-nobody"}])
def test_no_data_held_pack(people: Snapshot, kwargs: dict[str, str]) -> None:
    files = pack_files(build_pack(people, **kwargs))
    readme = files["README.txt"].decode("utf-8")
    assert "NO DATA HELD" in readme
    assert people.manifest.snapshot_id in readme
    manifest = json.loads(files["manifest.json"])
    assert manifest["data_held"] is False
    assert manifest["tables"] == {t: 0 for t in PACK_TABLES}
    assert all(e["rows"] in (None, 0) for e in manifest["files"])
    assert _json(files, "users") == []
    assert files["csv/users.csv"].decode("utf-8-sig").startswith("user_id,org_id,name,email")


def test_zip_and_folder_hold_the_same_files(jane: SubjectPack, tmp_path: Path) -> None:
    folder = write_pack(jane, tmp_path / "pack")
    archive = write_pack(jane, tmp_path / "pack.zip")
    on_disk = {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }
    with zipfile.ZipFile(archive) as z:
        zipped = {name: z.read(name) for name in z.namelist()}
    assert on_disk == zipped == pack_files(jane)
    assert archive.read_bytes() == pack_zip_bytes(jane)


def test_written_files_are_private(jane: SubjectPack, tmp_path: Path) -> None:
    folder = write_pack(jane, tmp_path / "pack")
    archive = write_pack(jane, tmp_path / "pack.zip")
    for path in [archive, *folder.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, path.name


def test_an_empty_folder_may_be_written_into(jane: SubjectPack, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert (write_pack(jane, tmp_path / "empty") / "README.txt").is_file()


@pytest.mark.parametrize("target", ["pack.zip", "full", "a-file"])
def test_never_overwrites(jane: SubjectPack, tmp_path: Path, target: str) -> None:
    (tmp_path / "pack.zip").write_bytes(b"earlier pack")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("earlier")
    (tmp_path / "a-file").write_text("earlier")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    with pytest.raises(InputError, match="--out"):
        write_pack(jane, tmp_path / target)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_searched_email_is_recorded_trimmed(people: Snapshot) -> None:
    files = pack_files(build_pack(people, email=f"  {JANE_EMAIL}\n"))
    manifest = json.loads(files["manifest.json"])
    assert manifest["identifier"] == {"kind": "email", "value": JANE_EMAIL}


def test_readme_explains_rows_left_from_a_deleted_account(people: Snapshot) -> None:
    readme = pack_files(build_pack(people, user_id=GONE))["README.txt"].decode("utf-8")
    assert GONE in readme
    assert "no account record" in readme
    assert "no account record" not in pack_files(build_pack(people, user_id=JANE))[
        "README.txt"
    ].decode("utf-8")


def test_readme_names_a_quarantined_account_row_as_a_reason(tmp_path: Path) -> None:
    """The second account of one address is quarantined: its logins are still held,
    and its pack by user id must not claim the account was deleted."""
    org = {"org_id": "O1", "name": "Org", "product": "local_insight", "status": "active"}
    made = {"org_id": "O1", "role": "user", "created_at": "2026-01-01T00:00:00Z"}
    tables = {
        "organisations": [org | {"created_at": "2026-01-01T00:00:00Z"}],
        "users": [
            made | {"user_id": "U1", "name": "Cat", "email": "cat@example.org"},
            made | {"user_id": "U2", "name": "Cat", "email": " CAT@example.org"},
        ],
        "logins": [
            {"login_id": "L2", "ts": "2026-02-01T00:00:00Z", "user_id": "U2", "success": True}
            | {"ip": "192.0.2.8"}
        ],
    }
    snapshot = load_snapshot(build_snapshot(tmp_path / "snap", tables))
    try:
        assert snapshot.rows_rejected == {"users": 1} | {
            name: 0 for name in snapshot.rows_rejected if name != "users"
        }
        readme = pack_files(build_pack(snapshot, user_id="U2"))["README.txt"].decode("utf-8")
    finally:
        snapshot.con.close()
    assert "or one whose row could not be read" in readme
