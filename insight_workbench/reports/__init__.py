"""Audit reports: parameterised notebooks run by papermill, their records, and pruning.

The names below load their module on first use: importing the package (as the command
line does to name the monthly set) does not load papermill, nbconvert or pandas.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from insight_workbench.reports.notebooks import (
        MONTHLY_SET,
        ReportNotebook,
        available_notebooks,
        find_notebook,
    )
    from insight_workbench.reports.run_records import RunResult
    from insight_workbench.reports.runner import prepare_run, run_report
    from insight_workbench.reports.runs import (
        PastRun,
        RunScan,
        Skipped,
        list_runs,
        prune_runs,
        scan_runs,
    )

_HOMES = {
    "MONTHLY_SET": "notebooks",
    "ReportNotebook": "notebooks",
    "available_notebooks": "notebooks",
    "find_notebook": "notebooks",
    "RunResult": "run_records",
    "prepare_run": "runner",
    "run_report": "runner",
    "PastRun": "runs",
    "list_runs": "runs",
    "prune_runs": "runs",
    "RunScan": "runs",
    "Skipped": "runs",
    "scan_runs": "runs",
}

__all__ = [
    "MONTHLY_SET",
    "PastRun",
    "ReportNotebook",
    "RunResult",
    "RunScan",
    "Skipped",
    "available_notebooks",
    "find_notebook",
    "list_runs",
    "prepare_run",
    "prune_runs",
    "run_report",
    "scan_runs",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{home}"), name)
