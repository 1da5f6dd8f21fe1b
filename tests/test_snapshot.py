"""`load_snapshot`: the typed tables and report tables every other module relies on."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from loader_checks import (
    VALID,
    assert_all_rows_accounted,
    rejects_of,
    replace_file,
    valid_snapshot,
)

from insight_workbench.errors import InputError
from insight_workbench.loading.schema import SQL_TYPES, TABLES
from insight_workbench.loading.snapshot import Snapshot, load_snapshot
from insight_workbench.loading.workspace import BUILT_TABLES
from insight_workbench.testing import build_snapshot

REPORT_TABLES = {
    "rejects": ["table_name", "row_number", "column_name", "value", "reason"],
    "load_report": ["table_name", "file", "rows_in_file", "rows_loaded", "rows_rejected"],
    "credential_columns": ["table_name", "column_name"],
    "deidentified_datasets": ["name", "file", "table_name", "meta"],
    "unread_datasets": ["name", "file", "position", "looks_like"],
    # What reopens the workspace as a complete `Snapshot`:
    "extra_columns": ["table_name", "column_name"],
    "dataset_columns": ["table_name", "column_name", "nested", "keyed"],
    "snapshot_files": ["key", "file", "sha256", "listed"],
    "workspace_info": ["loader_version", "manifest_sha256", "variant", "built_at"],
}


def described(snapshot: Snapshot, table: str) -> list[tuple[str, str]]:
    rows = snapshot.cursor().execute(f'DESCRIBE "{table}"').fetchall()
    return [(str(r[0]), str(r[1]).replace("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ")) for r in rows]


def everything(snapshot: Snapshot, table: str) -> list[tuple]:
    return snapshot.cursor().execute(f'SELECT * FROM "{table}"').fetchall()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_every_table_has_its_declared_columns_and_types(tmp_path: Path, fmt: str) -> None:
    snapshot = load_snapshot(valid_snapshot(tmp_path / "s", fmt=fmt))
    for name, table in TABLES.items():
        expected = [(c.name, SQL_TYPES[c.type]) for c in table.columns]
        assert described(snapshot, name) == expected, name
    assert snapshot.rows_loaded == {name: len(VALID.get(name, [])) for name in TABLES}
    assert snapshot.rows_rejected == dict.fromkeys(TABLES, 0)
    for name, columns in REPORT_TABLES.items():
        assert [c for c, _ in described(snapshot, name)] == columns
    assert_all_rows_accounted(snapshot)


def test_csv_and_parquet_load_the_same_values(tmp_path: Path) -> None:
    csv = load_snapshot(valid_snapshot(tmp_path / "csv"))
    parquet = load_snapshot(valid_snapshot(tmp_path / "parquet", fmt="parquet"))
    for name in TABLES:
        assert everything(csv, name) == everything(parquet, name), name
    [login] = everything(csv, "logins")
    assert login == ("L1", datetime(2026, 1, 5, 9, tzinfo=UTC), "U1", True, "10.0.0.1", None, None)


def test_optional_table_and_column_absent(tmp_path: Path) -> None:
    snapshot = load_snapshot(valid_snapshot(tmp_path / "s"))
    assert snapshot.loads["admin_views"].file == ""
    assert everything(snapshot, "admin_views") == []
    cursor = snapshot.cursor()
    assert cursor.execute("SELECT clock_started_at FROM subject_requests").fetchall() == [(None,)]


def test_optional_column_present_is_typed(tmp_path: Path) -> None:
    request = {**VALID["subject_requests"][0], "clock_started_at": "2026-01-07T10:00:00+01:00"}
    folder = build_snapshot(tmp_path / "s", {**VALID, "subject_requests": [request]})
    snapshot = load_snapshot(folder)
    found = snapshot.cursor().execute("SELECT clock_started_at FROM subject_requests").fetchall()
    assert found == [(datetime(2026, 1, 7, 9, tzinfo=UTC),)]


def test_extra_columns_are_kept_as_text(tmp_path: Path) -> None:
    orgs = [{**VALID["organisations"][0], "region": "north", "seats": "12"}]
    folder = build_snapshot(
        tmp_path / "s",
        {**VALID, "organisations": orgs},
        extra_columns={"organisations": ["region", "seats"]},
    )
    snapshot = load_snapshot(folder)
    assert described(snapshot, "organisations")[-2:] == [
        ("region", "VARCHAR"),
        ("seats", "VARCHAR"),
    ]
    assert snapshot.extra_columns["organisations"] == ["region", "seats"]


def catalogue(snapshot: Snapshot, table: str) -> list[tuple]:
    return (
        snapshot.cursor()
        .execute(
            "SELECT column_name, column_index, data_type, is_nullable, column_default "
            "FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
            [table],
        )
        .fetchall()
    )


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_file_without_records_gives_the_table_typing_gives(tmp_path: Path, fmt: str) -> None:
    # Every table with extra and credential columns: header-only files against files
    # whose every row is quarantined (typed, then deleted).
    extra = {name: ["region", "api_token"] for name in TABLES}
    optional = {name: {c.name: "" for c in t.columns if c.optional} for name, t in TABLES.items()}
    nothing: dict[str, list[dict[str, str]]] = {name: [] for name in TABLES}
    empty = load_snapshot(build_snapshot(tmp_path / "empty", nothing, extra_columns=extra, fmt=fmt))
    blank = {name: [{**optional[name], "region": "north"}] for name in TABLES}
    quarantined = load_snapshot(
        build_snapshot(tmp_path / "bad", blank, extra_columns=extra, fmt="csv")
    )
    assert quarantined.rows_loaded == empty.rows_loaded == dict.fromkeys(TABLES, 0)
    assert all(quarantined.rows_rejected.values())
    for name in TABLES:
        assert catalogue(empty, name) == catalogue(quarantined, name), name
    for kept in ("extra_columns", "credential_columns"):
        assert everything(empty, kept) == everything(quarantined, kept)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_clean_table_is_typed_as_one_with_rows_to_quarantine(tmp_path: Path, fmt: str) -> None:
    # A small table without a row to quarantine is typed from its typed columns alone;
    # one blank row more (quarantined) sends every table through the quarantine steps.
    extra = {name: ["region", "api_token"] for name in TABLES}
    rows = {name: [{**row, "region": "north"} for row in VALID.get(name, [])] for name in TABLES}
    clean = load_snapshot(build_snapshot(tmp_path / "clean", rows, extra_columns=extra, fmt=fmt))
    blank = {name: [*found, {"region": "south"}] for name, found in rows.items()}
    mixed = load_snapshot(build_snapshot(tmp_path / "mixed", blank, extra_columns=extra, fmt=fmt))
    assert clean.rows_loaded == mixed.rows_loaded == {n: len(r) for n, r in rows.items()}
    assert clean.rows_rejected == dict.fromkeys(TABLES, 0)
    assert mixed.rows_rejected == dict.fromkeys(TABLES, 1)
    for name in TABLES:
        assert catalogue(clean, name) == catalogue(mixed, name), name
        assert everything(clean, name) == everything(mixed, name), name
    assert_all_rows_accounted(clean)
    assert_all_rows_accounted(mixed)


def test_manifest_is_exposed(tmp_path: Path) -> None:
    folder = valid_snapshot(tmp_path / "s", exported_at="2026-07-01T03:00:00+01:00")
    snapshot = load_snapshot(folder)
    manifest = snapshot.manifest
    assert manifest.snapshot_id == "s"
    assert manifest.exported_at == datetime(2026, 7, 1, 2, tzinfo=UTC)
    assert manifest.exported_at_iso == "2026-07-01T02:00:00Z"
    assert manifest.timezone == "UTC"
    digest = hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()
    assert manifest.checksum == digest


def test_cursors_are_utc_and_usable_from_threads(tmp_path: Path) -> None:
    snapshot = load_snapshot(valid_snapshot(tmp_path / "s", timezone="Europe/London"))

    def ask(_: int) -> tuple:
        cursor = snapshot.cursor()
        zone = cursor.execute("SELECT current_setting('TimeZone')").fetchone()
        count = cursor.execute("SELECT count(*) FROM logins").fetchone()
        return (zone, count)

    with ThreadPoolExecutor(4) as pool:
        assert set(pool.map(ask, range(16))) == {(("UTC",), (1,))}


def test_no_helper_tables_or_columns_are_left(tmp_path: Path) -> None:
    folder = valid_snapshot(
        tmp_path / "s", deidentified={"agg": ([{"month": "2026-01", "n": "12"}], None)}
    )
    snapshot = load_snapshot(folder)
    tables = {row[0] for row in snapshot.cursor().execute("SHOW TABLES").fetchall()}
    # iw_held (rows of personal data per user), iw_failed_logins and iw_email_keys are
    # built once at load, on purpose; the workspace lists its tables (a missing one:
    # rebuilt)
    built = {"iw_held", "iw_failed_logins", "iw_email_keys", BUILT_TABLES}
    assert tables == set(TABLES) | set(REPORT_TABLES) | {"deidentified__agg"} | built
    columns = snapshot.cursor().execute(
        "SELECT count(*) FROM information_schema.columns WHERE column_name IN ('_row', '_problems')"
    )
    assert columns.fetchone() == (0,)


def test_typed_tables_keep_file_order_around_quarantined_rows(tmp_path: Path) -> None:
    header = "login_id,ts,user_id,success,ip,user_agent,referrer\n"
    lines = [
        f"L{i},{'bad' if i % 7 == 0 else '2026-01-05T09:00:00Z'},U1,true,10.0.0.1,,\n"
        for i in range(60_000)
    ]
    lines += ["L5,2026-01-05T09:00:00Z,U1,true,10.0.0.1,,\n"]  # a repeated key
    folder = valid_snapshot(tmp_path / "s")
    replace_file(folder, "logins", (header + "".join(lines)).encode(), len(lines))
    snapshot = load_snapshot(folder)
    assert_all_rows_accounted(snapshot)
    loaded = [row[0] for row in snapshot.cursor().execute("SELECT login_id FROM logins").fetchall()]
    assert loaded == [f"L{i}" for i in range(60_000) if i % 7]
    assert rejects_of(snapshot)[-1] == ("logins", 60_001, "login_id", "duplicate primary key")
    assert snapshot.rows_rejected["logins"] == len(range(0, 60_000, 7)) + 1


def test_deidentified_datasets_are_registered(tmp_path: Path) -> None:
    meta = {"kind": "microdata", "quasi_identifiers": ["age_band"]}
    folder = valid_snapshot(
        tmp_path / "s",
        deidentified={
            "people": ([{"age_band": "30-39", "region": ""}], meta),
            "counts": ([{"month": "2026-01", "users": "4"}], None),
        },
    )
    snapshot = load_snapshot(folder)
    by_name = {d.name: d for d in snapshot.deidentified}
    assert by_name["people"].meta == meta
    assert by_name["counts"].meta is None
    assert by_name["people"].file == "deidentified/people.csv"
    assert by_name["people"].columns == ("age_band", "region")
    people = by_name["people"].table
    assert described(snapshot, people) == [("age_band", "VARCHAR"), ("region", "VARCHAR")]
    assert everything(snapshot, people) == [("30-39", None)]
    registered = (
        snapshot.cursor()
        .execute("SELECT name, file, table_name, meta FROM deidentified_datasets ORDER BY name")
        .fetchall()
    )
    assert registered == [
        ("counts", "deidentified/counts.csv", "deidentified__counts", None),
        ("people", "deidentified/people.csv", "deidentified__people", json.dumps(meta)),
    ]
    assert_all_rows_accounted(snapshot)


def test_unlisted_dataset_loads_unchecked(tmp_path: Path) -> None:
    folder = valid_snapshot(tmp_path / "s")
    (folder / "deidentified").mkdir()
    (folder / "deidentified" / "late.csv").write_text("month,n\n2026-01,3\n", encoding="utf-8")
    snapshot = load_snapshot(folder)
    assert [d.name for d in snapshot.deidentified] == ["late"]
    assert snapshot.loads["deidentified/late"].rows_loaded == 1


def test_corrupt_parquet_data_is_an_input_error(tmp_path: Path) -> None:
    folder = valid_snapshot(tmp_path / "s", fmt="parquet")
    path = folder / "logins.parquet"
    metadata = pq.read_metadata(path)
    start = metadata.row_group(0).column(0).data_page_offset
    data = bytearray(path.read_bytes())
    data[start : start + 40] = b"\xff" * 40  # the first data page, not the footer
    path.write_bytes(bytes(data))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["tables"]["logins"]["sha256"] = hashlib.sha256(bytes(data)).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(InputError, match=r"^logins\.parquet: table 'logins' could not be loaded"):
        load_snapshot(folder)


def test_sample_snapshot_loads_with_every_row_accounted(sample: Snapshot) -> None:
    assert_all_rows_accounted(sample)
    assert sample.rows_loaded["logins"] > 0
