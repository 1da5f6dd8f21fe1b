"""Parquet columns already holding an instant, a date or a boolean load exactly as their
text would: the same values, the same quarantined rows, values and reasons."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from loader_checks import assert_all_rows_accounted, set_manifest, valid_snapshot

from insight_workbench.loading.snapshot import load_snapshot

# Instants around the ends of the supported range (years 2 to 9998 in UTC) and beyond.
INSTANTS = [
    "TIMESTAMPTZ '2026-01-05 09:00:00.123456+00'",
    "TIMESTAMPTZ '0001-06-01 00:00:00+00'",
    "TIMESTAMPTZ '0002-01-01 00:00:00+00'",
    "TIMESTAMPTZ '0002-01-01 00:30:00+01'",  # 0001-12-31 in UTC
    "TIMESTAMPTZ '0002-12-31 23:59:59+00'",
    "TIMESTAMPTZ '9998-12-31 23:59:59.999999+00'",
    "TIMESTAMPTZ '9999-01-01 00:00:00+00'",
    "TIMESTAMPTZ '1582-10-10 12:00:00+00'",
    "TIMESTAMPTZ '0001-01-01 00:00:00+00' - INTERVAL 50 YEAR",  # before Christ
    "TIMESTAMPTZ '12345-01-01 00:00:00+00'",
    "TIMESTAMPTZ 'infinity'",
    "TIMESTAMPTZ '-infinity'",
    "NULL",
]
DATES = [
    "DATE '2026-01-01'",
    "DATE '0001-12-31'",
    "DATE '0002-01-01'",
    "DATE '9998-12-31'",
    "DATE '9999-01-01'",
    "DATE '0001-01-01' - INTERVAL 10 YEAR",
    "DATE '12345-01-01'",
    "DATE 'infinity'",
    "NULL",
]


def _column(expression: str, kind: str, typed: bool) -> str:
    """The value typed, or as the text it is read as (`parquet_types.parquet_text`)."""
    cast = f"CAST({expression} AS {kind})"
    if typed:
        return cast
    if kind == "TIMESTAMPTZ":
        return f"replace(CAST(timezone('UTC', {cast}) AS VARCHAR), ' ', 'T') || 'Z'"
    return f"CAST({cast} AS VARCHAR)"


def _write(folder: Path, typed: bool) -> Path:
    """logins and processors with typed columns (`typed`) or their text, as VARCHAR."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    success = ("true", "false", "NULL")
    logins = " UNION ALL ".join(
        f"SELECT 'L{n}' AS login_id, {_column(ts, 'TIMESTAMPTZ', typed)} AS ts, "
        f"'U1' AS user_id, {_column(success[n % 3], 'BOOLEAN', typed)} AS success, "
        "'10.0.0.1' AS ip, NULL::VARCHAR AS user_agent, NULL::VARCHAR AS referrer"
        for n, ts in enumerate(INSTANTS)
    )
    con.execute(f"COPY ({logins}) TO '{folder / 'logins.parquet'}' (FORMAT parquet)")
    processors = " UNION ALL ".join(
        f"SELECT 'P{n}' AS processor_id, 'Hostco' AS name, 'hosting' AS service, "
        f"'email' AS data_categories, {_column(day, 'DATE', typed)} AS contract_start, "
        f"{_column(DATES[-2 - n % 3], 'DATE', typed)} AS assessment_date, "
        "NULL::DATE AS last_review_date"
        for n, day in enumerate(DATES)
    )
    con.execute(f"COPY ({processors}) TO '{folder / 'processors.parquet'}' (FORMAT parquet)")
    con.close()
    set_manifest(folder, {"logins": len(INSTANTS), "processors": len(DATES)})
    return folder


def _loaded(folder: Path) -> dict[str, list[tuple]]:
    snapshot = load_snapshot(folder)
    try:
        assert_all_rows_accounted(snapshot)
        cursor = snapshot.cursor()
        return {
            query: cursor.execute(query).fetchall()
            for query in (
                "SELECT * FROM logins ORDER BY login_id",
                "SELECT * FROM processors ORDER BY processor_id",
                "SELECT * FROM rejects ORDER BY ALL",
            )
        }
    finally:
        snapshot.con.close()


@pytest.mark.parametrize("timezone", ["UTC", "Pacific/Kiritimati"])
def test_typed_parquet_loads_as_its_text(tmp_path: Path, timezone: str) -> None:
    typed = _write(valid_snapshot(tmp_path / "typed", fmt="parquet", timezone=timezone), True)
    text = _write(valid_snapshot(tmp_path / "text", fmt="parquet", timezone=timezone), False)
    schema = duckdb.connect().execute(
        f"DESCRIBE SELECT * FROM read_parquet('{typed / 'logins.parquet'}')"
    )
    assert [row[1] for row in schema.fetchall()][1:4] == [
        "TIMESTAMP WITH TIME ZONE",
        "VARCHAR",
        "BOOLEAN",
    ]
    from_typed, from_text = _loaded(typed), _loaded(text)
    assert from_typed == from_text
    rejects = from_typed["SELECT * FROM rejects ORDER BY ALL"]
    reasons = {(row[0], row[3], row[4]) for row in rejects}
    assert ("logins", "9999-01-01T00:00:00Z", "year outside the supported range (2 to 9998)") in (
        reasons
    )
    assert ("logins", "infinityZ", "not an ISO 8601 timestamp") in reasons
    assert ("processors", "9999-01-01", "year outside the supported range (2 to 9998)") in reasons
    kept = [row[0] for row in from_typed["SELECT * FROM logins ORDER BY login_id"]]
    assert kept == ["L0", "L4", "L7"]  # L2 and L5 have no `success`


def test_int96_timestamps_are_utc_instants_whatever_the_manifest_s_zone(tmp_path: Path) -> None:
    """Spark and Hive write timestamps as INT96, UTC instants that DuckDB types as
    naive TIMESTAMP: they were read in the manifest's zone (10:00 in Europe/London in
    June became 09:00Z). A naive TIMESTAMP of another physical type still is local time."""
    import datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = valid_snapshot(tmp_path / "s", fmt="parquet", timezone="Europe/London")
    ten = pa.array([datetime.datetime(2026, 6, 1, 10, 0)], pa.timestamp("us"))
    for table, int96 in (("logins", True), ("usage_events", False)):
        path = folder / f"{table}.parquet"
        written = pq.read_table(path)
        written = written.set_column(written.schema.get_field_index("ts"), "ts", ten)
        if int96:
            written = written.append_column("seen_at", ten)  # beyond the format: as text
        pq.write_table(written, path, use_deprecated_int96_timestamps=int96)
    set_manifest(folder, {"logins": 1, "usage_events": 1})
    kinds = duckdb.connect().execute(
        f"SELECT name, type FROM parquet_schema('{folder / 'logins.parquet'}') WHERE name = 'ts'"
    )
    assert kinds.fetchall() == [("ts", "INT96")]
    snapshot = load_snapshot(folder)
    try:
        assert_all_rows_accounted(snapshot)
        cursor = snapshot.cursor()
        utc = "strftime(timezone('UTC', ts), '%H:%M')"
        [(login, seen)] = cursor.execute(f"SELECT {utc}, seen_at FROM logins").fetchall()
        assert (login, seen) == ("10:00", "2026-06-01T10:00:00Z")
        assert cursor.execute(f"SELECT {utc} FROM usage_events").fetchall() == [("09:00",)]
    finally:
        snapshot.con.close()


def test_int96_timestamps_written_by_impala_are_local_time(tmp_path: Path) -> None:
    """Impala writes INT96 as the wall-clock time, not converted to UTC: read in the
    manifest's zone, as a naive timestamp is (its `created_by` names the writer)."""
    import datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = valid_snapshot(tmp_path / "s", fmt="parquet", timezone="Europe/London")
    path = folder / "logins.parquet"
    written = pq.read_table(path)
    ten = pa.array([datetime.datetime(2026, 6, 1, 10, 0)], pa.timestamp("us"))
    written = written.set_column(written.schema.get_field_index("ts"), "ts", ten)
    pq.write_table(written, path, use_deprecated_int96_timestamps=True)
    data = path.read_bytes()
    writer = pq.ParquetFile(path).metadata.created_by.encode()
    impala = b"impala version 4.1.0-RELEASE".ljust(len(writer), b" ")[: len(writer)]
    assert data.count(writer) == 1
    path.write_bytes(data.replace(writer, impala))  # the footer names Impala as the writer
    set_manifest(folder, {"logins": 1})
    snapshot = load_snapshot(folder)
    try:
        assert_all_rows_accounted(snapshot)
        utc = "strftime(timezone('UTC', ts), '%H:%M')"
        assert snapshot.cursor().execute(f"SELECT {utc} FROM logins").fetchall() == [("09:00",)]
    finally:
        snapshot.con.close()
