"""De-identification: every dataset under `deidentified/`, judged by the DEID checks.

Everything here names datasets and columns and counts; cell values are never shown."""

from __future__ import annotations

from collections.abc import Container

import pandas as pd

from insight_workbench.dashboard import records, session
from insight_workbench.dashboard.session import Workbench
from insight_workbench.deidentification import assessment as deid
from insight_workbench.loading.manifest import unjudged_files


def assessments(wb: Workbench) -> list[deid.DatasetAssessment]:
    """Every dataset judged once per view (snapshot, `as_of`, policy): the verdicts, the
    columns, the offending columns and the class sizes all start from it. DPO only."""
    return session.shared(_assessed, wb)


def _assessed(wb: Workbench) -> list[deid.DatasetAssessment]:
    return deid.assess_datasets(wb.snapshot, wb.policy, wb.as_of)


def not_judged(wb: Workbench) -> list[str]:
    """Files under `deidentified/` that are no dataset (a spreadsheet, a sidecar whose
    dataset is missing): the DEID checks never saw them."""
    return unjudged_files(wb.snapshot.path)


def unread(wb: Workbench) -> list[tuple[str, str]]:
    """Datasets not loaded because their header row looks like data: each
    file and why (the column's position, never the cell)."""
    return [(u.file, u.why) for u in wb.snapshot.unread]


CHECKS = list(deid.JUDGED)  # SEC-001 among them


def verdicts(wb: Workbench) -> pd.DataFrame:
    """One row per dataset: the verdict of each check first (SEC-001 among them: a
    dataset holding a credential column is not fit to release), then how it is judged."""
    frame = deid.verdicts_frame(assessments(wb), wb.snapshot.credential_columns)
    first = [
        "dataset",
        "kind",
        *CHECKS,
        "offending_columns",
        "credential_columns",
        "smallest_class",
    ]
    return frame[first + [c for c in frame.columns if c not in first]]


def with_decisions(offending: pd.DataFrame, decided: records.Decided) -> pd.DataFrame:
    """The offending columns with the owner and exception of each one's finding: DEID-003
    is its dataset's (`dataset:NAME`), SEC-001 its column's (`column:deidentified/NAME:C`),
    the others their column's in the dataset (`dataset:NAME:C`)."""
    keys = [
        f"dataset:{name}"
        if check == "DEID-003"
        else f"{deid.RELEASED_COLUMN}{name}:{column}"
        if check == deid.CREDENTIALS
        else f"dataset:{name}:{column}"
        for name, column, check in zip(
            offending["dataset"], offending["column"], offending["check"], strict=True
        )
    ]
    return records.decisions_beside(offending, decided, list(offending["check"]), keys)


def columns(wb: Workbench) -> pd.DataFrame:
    """One row per column of each dataset (the facts of a `dataset:NAME:COLUMN` record):
    its role in the judging and the checks it fails; then its credential columns (the
    facts of a `column:deidentified/NAME:COLUMN` record), never loaded, failing SEC-001."""
    rows = []
    released = deid.credentials_in_datasets(wb.snapshot.credential_columns)
    for a in assessments(wb):
        failed: dict[str, Container[str]] = {
            "DEID-001": a.identifier_columns,
            "DEID-002": a.hashed_columns,
            "DEID-004": a.small_cells,
        }
        for column in a.layout.columns:
            role = (
                "count"
                if column in a.layout.count_columns
                else "quasi-identifier"
                if column in a.layout.quasi_identifiers
                else "other"
            )
            fails = ", ".join(code for code, held in failed.items() if column in held)
            rows.append({"dataset": a.name, "column": column, "role": role, "fails": fails})
        for column in released.get(a.name, []):
            role = "credential (not loaded)"
            row = {"dataset": a.name, "column": column, "role": role, "fails": deid.CREDENTIALS}
            rows.append(row)
    return pd.DataFrame(rows, columns=["dataset", "column", "role", "fails"])


def class_sizes(wb: Workbench) -> pd.DataFrame:
    """Equivalence-class sizes of the microdata datasets (values masked)."""
    return deid.class_sizes_frame(assessments(wb))


def smallest_classes(wb: Workbench) -> pd.DataFrame:
    rows = [
        {"dataset": a.name, "smallest_classes": ", ".join(map(str, a.smallest_classes)), "k": a.k}
        for a in assessments(wb)
        if a.layout.kind == "microdata"
    ]
    return pd.DataFrame(rows, columns=["dataset", "smallest_classes", "k"])


def offending_columns(wb: Workbench) -> pd.DataFrame:
    """Which column of which dataset fails which check, and why (no value is shown)."""
    rows = []
    released = deid.credentials_in_datasets(wb.snapshot.credential_columns)
    for a in assessments(wb):
        for column, kinds in sorted(a.identifier_columns.items()):
            rows.append(
                {
                    "dataset": a.name,
                    "column": column,
                    "check": "DEID-001",
                    "why": "direct identifier: " + ", ".join(kinds),
                }
            )
        for column, hashes in sorted(a.hashed_columns.items()):
            rows.append(
                {
                    "dataset": a.name,
                    "column": column,
                    "check": "DEID-002",
                    "why": "unsalted hash: " + ", ".join(hashes),
                }
            )
        if a.verdicts.get("DEID-003") == "fail":  # the columns its small classes share
            small = sum(n for size, n in a.class_sizes.items() if size < a.k)
            for column in a.layout.quasi_identifiers:
                rows.append(
                    {
                        "dataset": a.name,
                        "column": column,
                        "check": "DEID-003",
                        "why": f"quasi-identifier: {small} combinations shared by fewer "
                        f"than {a.k} rows",
                    }
                )
        for column, cells in sorted(a.small_cells.items()):
            rows.append(
                {
                    "dataset": a.name,
                    "column": column,
                    "check": "DEID-004",
                    "why": f"{cells} cells between 1 and {a.min_cell - 1}",
                }
            )
        for column in released.get(a.name, []):
            rows.append(
                {
                    "dataset": a.name,
                    "column": column,
                    "check": deid.CREDENTIALS,
                    "why": "credential column: its name says password, passwd, secret or token",
                }
            )
    return pd.DataFrame(rows, columns=["dataset", "column", "check", "why"])
