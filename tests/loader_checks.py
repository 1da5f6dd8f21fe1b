"""Helpers for the loader's tests: a minimal valid snapshot, rewriting one of its files,
and the "nothing silently lost" invariant."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from insight_workbench.loading.manifest import sha256_file
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.testing import build_snapshot

# A value planted in bad rows: it must never appear in any message or report.
PLANTED = "Zelda-Quux-8842"

T0 = "2026-01-05T09:00:00Z"
VALID: dict[str, list[dict[str, Any]]] = {
    "organisations": [
        {
            "org_id": "O1",
            "name": "Acme",
            "product": "local_insight",
            "status": "active",
            "created_at": T0,
            "subscription_start": "2026-01-05",
        },
    ],
    "users": [
        {
            "user_id": "U1",
            "org_id": "O1",
            "name": "Ann Example",
            "email": "ann@example.org",
            "role": "user",
            "created_at": T0,
        },
    ],
    "logins": [
        {"login_id": "L1", "ts": T0, "user_id": "U1", "success": True, "ip": "10.0.0.1"},
    ],
    "usage_events": [
        {
            "event_id": "E1",
            "ts": T0,
            "user_id": "U1",
            "product": "local_insight",
            "event_type": "page_view",
        },
    ],
    "communications": [
        {"message_id": "M1", "user_id": "U1", "sent_at": T0, "category": "technical"},
    ],
    "preferences": [
        {
            "user_id": "U1",
            "changed_at": T0,
            "category": "promotional",
            "opted_out": False,
            "channel": "settings",
        },
    ],
    "subject_requests": [
        {
            "request_id": "R1",
            "received_at": T0,
            "requester_email": "ann@example.org",
            "user_id": "U1",
            "type": "access",
            "status": "open",
            "extended": False,
        },
    ],
    "processors": [
        {
            "processor_id": "P1",
            "name": "Hostco",
            "service": "hosting",
            "data_categories": "name;email",
            "contract_start": "2026-01-01",
            "assessment_date": "2025-12-01",
        },
    ],
}


def valid_snapshot(folder: Path, **options: Any) -> Path:
    """A small snapshot that loads with no rejects."""
    return build_snapshot(folder, VALID, **options)


def set_manifest(folder: Path, rows: Mapping[str, int] | None = None, **fields: Any) -> None:
    """Recompute every listed file's sha256; set the `rows` given (the true record count,
    stated independently of the loader) and any top-level fields (None removes one)."""
    path = folder / "manifest.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    for key, entry in document["tables"].items():
        if (folder / entry["file"]).is_file():
            entry["sha256"] = sha256_file(folder / entry["file"])
        if rows and key in rows:
            entry["rows"] = rows[key]
    for key, value in fields.items():
        if value is None:
            document.pop(key, None)
        else:
            document[key] = value
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")


def replace_file(folder: Path, table: str, content: bytes, records: int) -> Path:
    """Replace `<table>.csv` by raw bytes holding `records` data records."""
    (folder / f"{table}.csv").write_bytes(content)
    set_manifest(folder, {table: records})
    return folder


def assert_all_rows_accounted(snapshot: Snapshot) -> None:
    """Loaded + rejected = rows in the file, for every table and dataset; the typed tables,
    `rejects`, `load_report` and the manifest all agree."""
    cursor = snapshot.cursor()
    tables = {d.name: d.table for d in snapshot.deidentified}
    keys = list(snapshot.loads)
    # A few statements for the whole snapshot: the helper runs after hundreds of loads.
    sizes = " UNION ALL ".join(
        f'SELECT {n}, count(*) FROM "{tables.get(key.removeprefix("deidentified/"), key)}"'
        for n, key in enumerate(keys)
    )
    typed = dict(cursor.execute(sizes).fetchall())
    rejected = {
        name: found
        for name, *found in cursor.execute(
            "SELECT table_name, count(DISTINCT row_number), min(row_number), max(row_number) "
            "FROM rejects GROUP BY table_name"
        ).fetchall()
    }
    report_rows = cursor.execute(
        "SELECT table_name, rows_in_file, rows_loaded, rows_rejected FROM load_report"
    ).fetchall()
    reports = {name: tuple(values) for name, *values in report_rows}
    assert len(reports) == len(report_rows)  # one report row per table
    for n, key in enumerate(keys):
        load = snapshot.loads[key]
        count, first, last = rejected.get(key, (0, None, None))
        assert typed[n] == load.rows_loaded, key
        assert count == load.rows_rejected, key
        assert load.rows_loaded + load.rows_rejected == load.rows_in_file, key
        if count:
            assert first >= 1, key
            assert last <= load.rows_in_file, key
        entry = snapshot.manifest.tables.get(key)
        if entry is not None:
            assert entry.rows == load.rows_in_file, key
        assert reports.get(key) == (load.rows_in_file, load.rows_loaded, load.rows_rejected), key
    assert set(rejected) <= set(reports)  # no reject of a table the report does not name


def rejects_of(snapshot: Snapshot) -> list[tuple[str, int, str | None, str]]:
    """(table, row, column, reason) of every reject, sorted."""
    rows = (
        snapshot.cursor()
        .execute(
            "SELECT table_name, row_number, column_name, reason FROM rejects "
            "ORDER BY table_name, row_number, column_name NULLS FIRST"
        )
        .fetchall()
    )
    return [(t, int(r), c, why) for t, r, c, why in rows]
