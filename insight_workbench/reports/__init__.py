"""Audit reports: parameterised notebooks run by papermill, their records, and pruning."""

from insight_workbench.reports.notebooks import (
    MONTHLY_SET,
    ReportNotebook,
    available_notebooks,
    find_notebook,
)
from insight_workbench.reports.runner import RunResult, prepare_run, run_report
from insight_workbench.reports.runs import PastRun, list_runs, prune_runs

__all__ = [
    "MONTHLY_SET",
    "PastRun",
    "ReportNotebook",
    "RunResult",
    "available_notebooks",
    "find_notebook",
    "list_runs",
    "prepare_run",
    "prune_runs",
    "run_report",
]
