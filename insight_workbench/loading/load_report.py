"""What the loader did with a snapshot: counts, quarantined rows, orphans, credentials."""

from __future__ import annotations

from typing import Any

from insight_workbench.loading.readers import quote_ident
from insight_workbench.loading.schema import TABLES
from insight_workbench.loading.snapshot import Snapshot


def orphan_counts(snapshot: Snapshot) -> list[dict[str, Any]]:
    """Rows whose foreign key names no parent row (they load; rules judge them)."""
    cursor = snapshot.cursor()
    found = []
    for table in TABLES.values():
        for column, parent in table.foreign_keys.items():
            key = TABLES[parent].primary_key or ""
            row = cursor.execute(
                f"SELECT count(*) FROM {quote_ident(table.name)} c WHERE c.{quote_ident(column)} "
                f"IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {quote_ident(parent)} p "
                f"WHERE p.{quote_ident(key)} = c.{quote_ident(column)})"
            ).fetchone()
            if row and row[0]:
                found.append(
                    {"table": table.name, "column": column, "parent": parent, "rows": int(row[0])}
                )
    return found


def validation_report(snapshot: Snapshot) -> dict[str, Any]:
    cursor = snapshot.cursor()
    rejects = cursor.execute(
        "SELECT table_name, row_number, column_name, reason FROM rejects "
        "ORDER BY table_name, row_number, column_name NULLS FIRST"
    ).fetchall()
    return {
        "snapshot_id": snapshot.manifest.snapshot_id,
        "exported_at": snapshot.manifest.exported_at_iso,
        "tables": [
            {
                "table": x.table,
                "file": x.file,
                "rows_in_file": x.rows_in_file,
                "rows_loaded": x.rows_loaded,
                "rows_rejected": x.rows_rejected,
            }
            for x in snapshot.loads.values()
        ],
        "rows_rejected_total": sum(x.rows_rejected for x in snapshot.loads.values()),
        "rejects": [
            {"table": t, "row": int(n), "column": c, "reason": r} for t, n, c, r in rejects
        ],
        "credential_columns": [{"table": t, "column": c} for t, c in snapshot.credential_columns],
        "orphans": orphan_counts(snapshot),
    }
