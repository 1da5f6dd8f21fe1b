"""`manifest.json`: reading, checking files against it, and writing it."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from loader_checks import valid_snapshot

from insight_workbench.errors import InputError
from insight_workbench.loading import manifest as mf
from insight_workbench.loading.snapshot import load_snapshot
from insight_workbench.testing import build_snapshot


def write(folder: Path, document: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(json.dumps(document), encoding="utf-8")
    return folder


def test_defaults_of_optional_fields(tmp_path: Path) -> None:
    folder = write(tmp_path / "prod-1", {"exported_at": "2026-11-28T02:00:00Z", "tables": {}})
    manifest = mf.read_manifest(folder)
    assert (manifest.snapshot_id, manifest.source, manifest.timezone) == ("prod-1", "", "UTC")
    assert manifest.exported_at == datetime(2026, 11, 28, 2, tzinfo=UTC)
    raw = (folder / "manifest.json").read_bytes()
    assert manifest.checksum == hashlib.sha256(raw).hexdigest()


@pytest.mark.parametrize(
    ("exported_at", "timezone", "expected"),
    [
        ("2026-07-01T10:00:00", "Europe/London", datetime(2026, 7, 1, 9, tzinfo=UTC)),
        ("2026-01-01T10:00:00", "Europe/London", datetime(2026, 1, 1, 10, tzinfo=UTC)),
        ("2026-07-01T10:00:00+02:00", "Europe/London", datetime(2026, 7, 1, 8, tzinfo=UTC)),
        ("2026-07-01T10:00:00Z", "America/New_York", datetime(2026, 7, 1, 10, tzinfo=UTC)),
        # as a timestamp cell is read: `t`/`z`, a space, 24:00 as the next midnight
        ("2026-07-01t10:00:00z", "Europe/London", datetime(2026, 7, 1, 10, tzinfo=UTC)),
        (" 2026-07-01 10:00+01 ", "UTC", datetime(2026, 7, 1, 9, tzinfo=UTC)),
        ("2026-06-30T24:00:00", "Europe/London", datetime(2026, 6, 30, 23, tzinfo=UTC)),
    ],
)
def test_naive_exported_at_is_read_in_the_timezone(
    tmp_path: Path, exported_at: str, timezone: str, expected: datetime
) -> None:
    folder = write(tmp_path / "s", {"exported_at": exported_at, "timezone": timezone, "tables": {}})
    assert mf.read_manifest(folder).exported_at == expected


@pytest.mark.parametrize(
    "exported_at",
    [
        "2026-07-01",  # a date alone is not a moment
        "20260701T100000Z",
        "2026-W27-3T10:00:00Z",
        "2026-07-01T10:00:00,5Z",
        "2026-07-01T10:00:00.Z",
        "2026-07-01T24:00:01Z",
        "9999-12-31T24:00:00Z",
    ],
)
def test_an_exported_at_a_timestamp_cell_could_not_hold_is_refused(
    tmp_path: Path, exported_at: str
) -> None:
    folder = write(tmp_path / "s", {"exported_at": exported_at, "tables": {}})
    said = r"^manifest.json: 'exported_at' is (not an|outside|an ISO 8601 form not taken here)"
    with pytest.raises(InputError, match=said):
        mf.read_manifest(folder)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "manifest.json: must be a JSON object"),
        ({"tables": {}}, "manifest.json: 'exported_at' must be a non-empty string"),
        ({"exported_at": "soon", "tables": {}}, "manifest.json: 'exported_at' is not an ISO"),
        (
            {"exported_at": "20261128T020000Z", "tables": {}},
            "manifest.json: 'exported_at' is an ISO 8601 form not taken here (write it as",
        ),
        ({"exported_at": "2026-01-01T00:00:00Z"}, "manifest.json: 'tables' must be an object"),
        (
            {"exported_at": "2026-01-01T00:00:00Z", "tables": {}, "timezone": "Europe/Nowhere"},
            "manifest.json: 'timezone' is not a known time zone",
        ),
        (
            {"exported_at": "2026-01-01T00:00:00Z", "tables": {}, "timezone": "localtime"},
            "manifest.json: 'timezone' is not a known time zone",
        ),
        (
            {"exported_at": "2026-01-01T00:00:00Z", "tables": {}, "timezone": "europe/london"},
            "manifest.json: 'timezone' is not a known time zone",
        ),
        (
            {"exported_at": "2026-01-01T00:00:00Z", "tables": {}, "snapshot_id": ""},
            "manifest.json: 'snapshot_id' must be a non-empty string",
        ),
        (
            {"exported_at": "2026-01-01T00:00:00Z", "tables": {"users": []}},
            "manifest.json: tables.users must be an object",
        ),
        (
            {
                "exported_at": "2026-01-01T00:00:00Z",
                "tables": {"users": {"file": "", "rows": 1, "sha256": "a" * 64}},
            },
            "manifest.json: tables.users.file must be a file name",
        ),
        (
            {
                "exported_at": "2026-01-01T00:00:00Z",
                "tables": {"users": {"file": "/etc/passwd", "rows": 1, "sha256": "a" * 64}},
            },
            "manifest.json: tables.users.file must be a path inside the snapshot folder",
        ),
        (
            {
                "exported_at": "2026-01-01T00:00:00Z",
                "tables": {"users": {"file": "users.csv", "rows": True, "sha256": "a" * 64}},
            },
            "manifest.json: tables.users.rows must be a whole number",
        ),
        (
            {
                "exported_at": "2026-01-01T00:00:00Z",
                "tables": {"users": {"file": "users.csv", "rows": 1.5, "sha256": "a" * 64}},
            },
            "manifest.json: tables.users.rows must be a whole number",
        ),
        (
            {
                "exported_at": "2026-01-01T00:00:00Z",
                "tables": {"users": {"file": "users.csv", "rows": 1}},
            },
            "manifest.json: tables.users.sha256 must be a 64-character hex digest",
        ),
    ],
)
def test_bad_manifests_are_refused(tmp_path: Path, document: object, message: str) -> None:
    folder = write(tmp_path / "s", document)
    with pytest.raises(InputError) as raised:
        mf.read_manifest(folder)
    assert str(raised.value).startswith(message)


def test_manifest_that_is_not_utf8_json(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "manifest.json").write_bytes(b"\xff\xfe{")
    with pytest.raises(InputError, match=r"^manifest\.json: not valid JSON \(.+\)$"):
        mf.read_manifest(folder)
    (folder / "manifest.json").write_bytes(b'{"snapshot_id": "s", "x": \xff}')
    with pytest.raises(InputError, match=r"^manifest\.json: not valid JSON \(not UTF-8 text\)$"):
        mf.read_manifest(folder)


def test_manifest_json_broken_says_where(tmp_path: Path) -> None:
    """Where the JSON breaks and what was expected there (never a value of the file): a
    bare "not valid JSON" left the person to find a stray comma in the file alone."""
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "manifest.json").write_text('{\n  "snapshot_id": "jane@example.org",\n}\n')
    with pytest.raises(InputError) as raised:
        mf.read_manifest(folder)
    assert str(raised.value) == (
        "manifest.json: not valid JSON (line 3, column 1: "
        "expecting property name enclosed in double quotes)"
    )


def test_sha256_is_compared_case_insensitively(tmp_path: Path) -> None:
    folder = valid_snapshot(tmp_path / "s")
    document = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    document["tables"]["users"]["sha256"] = document["tables"]["users"]["sha256"].upper()
    (folder / "manifest.json").write_text(json.dumps(document), encoding="utf-8")
    assert load_snapshot(folder).rows_loaded["users"] == 1


def test_written_manifest_matches_the_files(tmp_path: Path) -> None:
    folder = valid_snapshot(tmp_path / "s", deidentified={"agg": ([{"m": "1", "n": "2"}], None)})
    (folder / "notes.txt").write_text("not an export", encoding="utf-8")
    target = mf.write_manifest(
        folder, datetime(2026, 7, 1, 9, tzinfo=UTC), "snap-7", timezone="Europe/London"
    )
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["snapshot_id"] == "snap-7"
    assert document["exported_at"] == "2026-07-01T09:00:00Z"
    assert document["timezone"] == "Europe/London"
    assert set(document["tables"]) == {
        "organisations",
        "users",
        "logins",
        "usage_events",
        "communications",
        "preferences",
        "subject_requests",
        "processors",
        "deidentified/agg",
    }
    for key, entry in document["tables"].items():
        path = folder / entry["file"]
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest(), key
    assert document["tables"]["logins"]["rows"] == 1
    assert document["tables"]["deidentified/agg"]["file"] == "deidentified/agg.csv"


def test_counts_its_writer_gives_are_taken_and_the_other_files_are_read(tmp_path: Path) -> None:
    """A writer that counted its records (`build_snapshot`) spares reading its files."""
    folder = valid_snapshot(tmp_path / "s")
    target = mf.write_manifest(folder, datetime(2026, 7, 1, tzinfo=UTC), counts={"users": 7})
    tables = json.loads(target.read_text(encoding="utf-8"))["tables"]
    assert tables["users"]["rows"] == 7  # as given: the file holds one
    assert tables["logins"]["rows"] == 1  # read


def test_a_built_snapshot_with_a_bare_carriage_return_is_counted_as_the_loader_reads_it(
    tmp_path: Path,
) -> None:
    """Python's csv writer leaves a lone CR unquoted, and it ends a line when read: such a
    table's records are counted from the file, so the snapshot still loads."""
    row = {"org_id": "O1", "name": "a\rb", "product": "local_insight", "status": "active"}
    folder = build_snapshot(tmp_path / "s", {"organisations": [row]})
    tables = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["tables"]
    assert tables["organisations"]["rows"] == 2
    snapshot = load_snapshot(folder)
    assert snapshot.loads["organisations"].rows_in_file == 2


def test_a_manifest_written_for_the_current_folder_is_named_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = valid_snapshot(tmp_path / "export-7")
    monkeypatch.chdir(folder)
    mf.write_manifest(Path("."), datetime(2026, 7, 1, 9, tzinfo=UTC))
    assert json.loads((folder / "manifest.json").read_text())["snapshot_id"] == "export-7"
    loaded = load_snapshot(folder)
    loaded.con.close()
    assert loaded.manifest.snapshot_id == "export-7"


def test_written_rows_count_records_not_lines(tmp_path: Path) -> None:
    folder = valid_snapshot(tmp_path / "s")
    (folder / "logins.csv").write_text(
        "login_id,ts,user_id,success,ip,user_agent,referrer\n"
        'L1,2026-01-05T09:00:00Z,U1,true,10.0.0.1,"two\nlines",\n'
        "\n"
        "L2,2026-01-05T09:00:00Z,U1,true,10.0.0.1\n",  # too few fields: a record all the same
        encoding="utf-8",
    )
    mf.write_manifest(folder, datetime(2026, 7, 1, tzinfo=UTC))
    document = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert document["tables"]["logins"]["rows"] == 2
    snapshot = load_snapshot(folder)
    assert (snapshot.rows_loaded["logins"], snapshot.rows_rejected["logins"]) == (1, 1)


def test_both_formats_of_a_dataset_are_refused(tmp_path: Path) -> None:
    folder = valid_snapshot(tmp_path / "s", deidentified={"agg": ([{"m": "1"}], None)})
    (folder / "deidentified" / "agg.parquet").write_bytes(b"")
    with pytest.raises(InputError, match=r"^deidentified/agg: both \.csv and \.parquet"):
        mf.deidentified_files(folder)


def test_a_dataset_the_manifest_cannot_count_is_named_with_its_folder(tmp_path: Path) -> None:
    """`deidentified/users.csv` is a dataset: a message naming it `users.csv` would send
    the reader to the users table, which is sound."""
    folder = valid_snapshot(tmp_path / "s", deidentified={"users": ([{"m": "1"}], None)})
    (folder / "manifest.json").unlink()
    (folder / "deidentified" / "users.csv").write_bytes(b"")
    with pytest.raises(InputError, match=r"^deidentified/users\.csv: the file is empty"):
        mf.write_manifest(folder, datetime(2026, 11, 28, tzinfo=UTC))
    (folder / "deidentified" / "users.csv").write_text("a,A\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"^deidentified/users\.csv: header columns 1 and 2"):
        mf.write_manifest(folder, datetime(2026, 11, 28, tzinfo=UTC))
    assert not (folder / "manifest.json").exists()


def test_a_file_name_that_is_not_utf8_is_refused_before_writing(tmp_path: Path) -> None:
    """The loader refuses a manifest naming such a file: none is written."""
    folder = valid_snapshot(tmp_path / "s", deidentified={"agg": ([{"m": "1"}], None)})
    (folder / "manifest.json").unlink()
    os.rename(
        folder / "deidentified" / "agg.csv", os.fsencode(folder / "deidentified") + b"/caf\xe9.csv"
    )
    with pytest.raises(InputError, match=r"^caf\\udce9\.csv: a file name that is not UTF-8$"):
        mf.write_manifest(folder, datetime(2026, 11, 28, tzinfo=UTC))
    assert not (folder / "manifest.json").exists()


@pytest.mark.parametrize(
    ("name", "known"),
    [
        ("UTC", True),
        ("Europe/London", True),
        ("GB", True),
        ("Etc/GMT+1", True),
        ("utc", False),
        ("localtime", False),
        ("Europe/Nowhere", False),
        ("", False),
        ("../../etc/passwd", False),
    ],
)
def test_known_timezone(name: str, known: bool) -> None:
    assert mf.known_timezone(name) is known


def test_datasets_differing_only_in_case_are_refused(tmp_path: Path) -> None:
    folder = valid_snapshot(tmp_path / "s", deidentified={"Agg": ([{"m": "1"}], None)})
    (folder / "deidentified" / "agg.csv").write_text("m\n2\n", encoding="utf-8")
    with pytest.raises(InputError, match="same name in other case"):
        mf.deidentified_files(folder)


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2028, 4, 3, 23, 29, 59, 999000, tzinfo=UTC), "2028-04-03T23:29:59.999Z"),
        (datetime(2028, 4, 3, 23, 29, 59, 120, tzinfo=UTC), "2028-04-03T23:29:59.00012Z"),
        (datetime(2028, 4, 3, 23, 29, 59, tzinfo=UTC), "2028-04-03T23:29:59Z"),
        (datetime.fromisoformat("2028-04-04T00:29:59.5+01:00"), "2028-04-03T23:29:59.5Z"),
    ],
)
def test_utc_text_keeps_the_instant_full_precision(moment: datetime, text: str) -> None:
    assert mf.format_utc(moment) == text


def test_a_manifest_is_replaced_whole_never_rewritten_in_place(tmp_path: Path) -> None:
    """Written under a temporary name and renamed: a reader never sees half of it, and
    a link to the earlier manifest keeps the earlier text."""
    folder = valid_snapshot(tmp_path / "s")
    earlier = (folder / "manifest.json").read_bytes()
    os.link(folder / "manifest.json", tmp_path / "earlier.json")
    mf.write_manifest(folder, datetime(2027, 1, 1, tzinfo=UTC), "snap-8")
    assert (tmp_path / "earlier.json").read_bytes() == earlier
    assert (
        json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["snapshot_id"]
        == "snap-8"
    )
