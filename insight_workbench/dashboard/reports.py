"""Reports (DPO): the audit notebook runs under the reports folder."""

from __future__ import annotations

import html
import os
from pathlib import Path

import pandas as pd

from insight_workbench.reports import PastRun, RunScan, scan_runs

REPORT_HEIGHT = 900
COLUMNS = ["notebook", "start", "end", "status", "snapshot_id", "as_of", "html", "error"]


def reports_folder(base: Path) -> Path:
    """`INSIGHT_REPORTS_DIR` (relative to the folder the app was started in), else
    `reports/` next to the app; always absolute, as runs started from the page need it."""
    configured = os.environ.get("INSIGHT_REPORTS_DIR", "").strip()
    folder = Path(configured).expanduser() if configured else base / "reports"
    return folder.resolve()


# The report command's options as the "Run a report now" form names them.
FORM_WORDS = {"--as-of": "As of", "--snapshot": "The snapshot", "-p ": "The parameter "}


def in_app_words(message: str) -> str:
    """A refusal of the report command, said with the form's words instead of its options:
    "--as-of: not a date ..." -> "As of: not a date ..."."""
    for option, words in FORM_WORDS.items():
        message = message.replace(option, words)
    return message


def runs(folder: Path) -> RunScan:
    """The runs, newest first, and the symbolic links skipped (never followed)."""
    return scan_runs(folder) if folder.is_dir() else RunScan()


def runs_frame(found: list[PastRun]) -> pd.DataFrame:
    """One row per run, newest first."""
    rows = []
    for run in found:
        error = run.record.get("error") or {}
        snapshot = run.record.get("snapshot")  # a mapping, unless the file was edited
        rows.append(
            {
                "notebook": run.notebook,
                "start": run.record.get("start"),
                "end": run.record.get("end"),
                "status": run.status,
                "snapshot_id": snapshot.get("snapshot_id") if isinstance(snapshot, dict) else None,
                "as_of": run.record.get("as_of"),
                "html": run.html.name if run.html else None,
                "error": error.get("ename") if isinstance(error, dict) else None,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def sandboxed(report: str, height: int = REPORT_HEIGHT) -> str:
    """A frame showing `report` in a sandbox without `allow-same-origin`: its own opaque
    origin, so its scripts (the charts) run but can read nothing of the app's page, its
    cookies or its storage, and it may not navigate, open windows or submit forms."""
    return (
        f'<iframe sandbox="allow-scripts" title="Report" srcdoc="{html.escape(report)}" '
        f'style="width: 100%; height: {height}px; border: 0"></iframe>'
    )


def run_key(run: PastRun) -> str:
    """The run's key in the audit trail: `report:<notebook folder>/<run folder>`."""
    return "report:" + "_".join(f"{run.folder.parent.name}/{run.folder.name}".split())
