"""`validate SNAPSHOT`: load only, and report rows loaded and rejected."""

from __future__ import annotations

from typing import Annotated

import typer

from insight_workbench.commands.common import SnapshotArg, write_json
from insight_workbench.errors import InputError
from insight_workbench.loading.load_report import validation_report
from insight_workbench.loading.workspace import open_snapshot


def validate(
    snapshot: SnapshotArg,
    format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Load the snapshot: rows loaded and rejected per table, and every reject's
    table, row, column and reason (never the value). Exit 0 when every row loaded,
    1 when rows were quarantined, 2 when the snapshot is refused."""
    if format not in ("table", "json"):
        raise InputError("--format: must be table or json")
    report = validation_report(open_snapshot(snapshot))
    if format == "json":
        write_json(report)
    else:
        typer.echo(render_table(report))
    raise typer.Exit(1 if report["rows_rejected_total"] else 0)


def render_table(report: dict) -> str:
    lines = [f"Snapshot {report['snapshot_id']} exported {report['exported_at']}", ""]
    wide = max(len(t["table"]) for t in report["tables"])
    files = max(len(t["file"] or "(absent)") for t in report["tables"])
    lines.append(
        f"{'table':<{wide}}  {'file':<{files}} {'rows':>10} {'loaded':>10} {'rejected':>10}"
    )
    for t in report["tables"]:
        lines.append(
            f"{t['table']:<{wide}}  {t['file'] or '(absent)':<{files}} {t['rows_in_file']:>10} "
            f"{t['rows_loaded']:>10} {t['rows_rejected']:>10}"
        )
    total = report["rows_rejected_total"]
    lines += ["", f"{total} rows quarantined." if total else "Every row loaded."]
    if report["rejects"]:
        lines.append("Quarantined rows (values are not shown: they may be personal data):")
        for r in report["rejects"]:
            column = r["column"] or "(whole row)"
            lines.append(f"  {r['table']} row {r['row']}, column {column}: {r['reason']}")
    for c in report["credential_columns"]:
        lines.append(f"Credential column not loaded: {c['table']}.{c['column']}")
    for o in report["orphans"]:
        lines.append(
            f"Foreign key without parent: {o['table']}.{o['column']} -> {o['parent']}: "
            f"{o['rows']} rows"
        )
    return "\n".join(lines)
