"""What the loader did with a snapshot: counts, quarantined rows, orphans, credentials."""

from __future__ import annotations

from typing import Any

from insight_workbench.loading.manifest import DEIDENTIFIED, unjudged_files, unrecognised_files
from insight_workbench.loading.raw_tables import quote_ident
from insight_workbench.loading.schema import TABLES
from insight_workbench.loading.snapshot import Snapshot


def orphan_counts(snapshot: Snapshot) -> list[dict[str, Any]]:
    """Rows whose foreign key names no parent row (they load; rules judge them)."""
    links = [
        (table.name, column, parent)
        for table in TABLES.values()
        for column, parent in table.foreign_keys.items()
    ]
    # One statement for every link: a statement's fixed cost is most of a small count.
    counts = [
        f"SELECT {n} AS link, count(*) AS n FROM {quote_ident(table)} c "
        f"WHERE c.{quote_ident(column)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
        f"{quote_ident(parent)} p WHERE p.{quote_ident(TABLES[parent].primary_key or '')} "
        f"= c.{quote_ident(column)})"
        for n, (table, column, parent) in enumerate(links)
    ]
    found = dict(snapshot.cursor().execute(" UNION ALL ".join(counts)).fetchall())
    return [
        {"table": table, "column": column, "parent": parent, "rows": int(found[n])}
        for n, (table, column, parent) in enumerate(links)
        if found[n]
    ]


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
        # Every file under deidentified/ that no rule judges: those that are no dataset,
        # then the datasets whose header row looks like data (`unread_datasets`).
        "not_judged": unjudged_files(snapshot.path) + [u.file for u in snapshot.unread],
        "unread_datasets": unread_datasets(snapshot),
        "not_read": not_read(snapshot),
    }


def not_read(snapshot: Snapshot) -> list[dict[str, Any]]:
    """The files at the top of the snapshot folder that nothing reads (not the manifest,
    a table's file or `deidentified/`): each name, the table it is named like (or None)
    and why it is not read."""
    found = []
    for name, like in unrecognised_files(snapshot.path):
        load = snapshot.loads.get(like or "")
        if like == DEIDENTIFIED:
            why = "named like the deidentified/ folder, the only place datasets are read from"
        elif load is not None and load.file:
            why = f"named like table {like}, which is read from {load.file}"
        elif like is not None:
            why = (
                f"named like table {like}, which is absent: a table is read from "
                f"{like}.csv or {like}.parquet only"
            )
        else:
            why = "not a table's file, the manifest or the deidentified/ folder"
        found.append({"file": name, "named_like": like, "why": why})
    return found


def unread_datasets(snapshot: Snapshot) -> list[dict[str, Any]]:
    """The datasets not loaded because their header row looks like data:
    the file, the column's position and why (never the cell)."""
    return [
        {"dataset": u.key, "file": u.file, "column_position": u.position, "why": u.why}
        for u in snapshot.unread
    ]
