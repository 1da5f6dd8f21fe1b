"""`validate SNAPSHOT`: load only, and report rows loaded and rejected."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from insight_workbench.commands.common import SnapshotArg, say, write_json
from insight_workbench.errors import InputError
from insight_workbench.findings import plural
from insight_workbench.terminal import printable


def validate(
    snapshot: SnapshotArg,
    format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Load the snapshot: rows loaded and rejected per table, and every reject's
    table, row, column and reason (never the value). Exit 0 when every row loaded,
    1 when rows were quarantined, 2 when the snapshot is refused."""
    from insight_workbench.loading.load_report import validation_report
    from insight_workbench.loading.workspace import open_snapshot

    if format not in ("table", "json"):
        raise InputError("--format: must be table or json")
    report = validation_report(open_snapshot(snapshot))
    if format == "json":
        write_json(report)
    else:
        say(render_table(report))
    raise typer.Exit(1 if report["rows_rejected_total"] else 0)


def render_table(report: dict[str, Any]) -> str:
    """Values from the snapshot (its id, file names) go through `printable`."""
    snapshot_id = printable(report["snapshot_id"])
    lines = [f"Snapshot {snapshot_id} exported {printable(report['exported_at'])}", ""]
    names = [(printable(t["table"]), printable(t["file"] or "(absent)")) for t in report["tables"]]
    wide = max(len(table) for table, _ in names)
    files = max(len(file) for _, file in names)
    lines.append(
        f"{'table':<{wide}}  {'file':<{files}} {'rows':>10} {'loaded':>10} {'rejected':>10}"
    )
    for t, (table, file) in zip(report["tables"], names, strict=True):
        lines.append(
            f"{table:<{wide}}  {file:<{files}} {t['rows_in_file']:>10} "
            f"{t['rows_loaded']:>10} {t['rows_rejected']:>10}"
        )
    total = report["rows_rejected_total"]
    unread = report["unread_datasets"]
    if total:
        verdict = f"{plural(total, 'row')} quarantined."
    elif unread:  # "Every row loaded." would be false: a dataset's rows were not
        verdict = "No row quarantined."
    else:
        verdict = "Every row loaded."
    if unread:  # not a row of theirs was read: said, not counted (nor an exit 1)
        verdict += f" {plural(len(unread), 'dataset')} not loaded (below)."
    lines += ["", verdict]
    if report["rejects"]:
        lines.append("Quarantined rows (values are not shown: they may be personal data):")
        for r in report["rejects"]:
            column = printable(r["column"] or "(whole row)")
            lines.append(
                f"  {printable(r['table'])} row {r['row']}, column {column}: "
                f"{printable(r['reason'])}"
            )
    for c in report["credential_columns"]:
        lines.append(
            f"Credential column not loaded: {printable(c['table'])}.{printable(c['column'])}"
        )
    for o in report["orphans"]:
        lines.append(
            f"Foreign key without parent: {printable(o['table'])}.{printable(o['column'])} "
            f"-> {printable(o['parent'])}: {plural(o['rows'], 'row')}"
        )
    unread_files = {u["file"] for u in unread}
    for name in report["not_judged"]:
        if name not in unread_files:
            lines.append(
                f"Not judged by the DEID rules (not a CSV or Parquet dataset): {printable(name)}"
            )
    lines += unread_lines(report["unread_datasets"])
    lines += not_read_lines(report["not_read"])
    return "\n".join(lines)


def not_read_lines(files: list[dict[str, Any]]) -> list[str]:
    """A line for each file at the top of the snapshot folder that nothing reads."""
    return [f"Not read ({printable(f['why'])}): {printable(f['file'])}" for f in files]


def unread_lines(unread: list[dict[str, Any]]) -> list[str]:
    """A line for each dataset not loaded because its header row looks like data (its
    file and the column's position: the cell may be personal data)."""
    return [
        f"Not loaded, its rows not judged, DEID-001 naming the column by position "
        f"({printable(u['why'])}; a dataset needs a header row naming its columns): "
        f"{printable(u['file'])}"
        for u in unread
    ]
