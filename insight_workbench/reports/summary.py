"""The summary a report opens with: totals, what is overdue, and what changed since the
previous run of the same report.

The previous run is the newest earlier run of the same notebook in the same reports
folder that succeeded (`<out>/<notebook>/<run>/`, next to this run's folder); its
`results.json` lists the finding keys per rule, so new and resolved findings are
counted without reading its report. Opened in Jupyter (no run folder), there is none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from insight_workbench.errors import InputError
from insight_workbench.reports.tables import table_html
from insight_workbench.small_files import RECORD_BYTES, read_small

RUN_FILE = "run.json"
RESULTS_FILE = "results.json"


@dataclass(frozen=True)
class PreviousRun:
    run_id: str
    as_of: str
    snapshot_id: str
    figures: dict[str, Any]


def _read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object from a plain file (never through a link), or None."""
    try:
        data = json.loads(read_small(path, path.name, RECORD_BYTES, follow_links=False))
    except (OSError, InputError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def previous_run(results_path: str | Path | None) -> PreviousRun | None:
    """The newest succeeded run of this notebook started before this one, or None."""
    if results_path is None:
        return None
    folder = Path(results_path).parent
    current = _read_json(folder / RUN_FILE)
    if current is None or not isinstance(current.get("start"), str):
        return None
    earlier = []
    try:
        siblings = [p for p in folder.parent.iterdir() if p.is_dir() and not p.is_symlink()]
    except OSError:
        return None
    for sibling in siblings:
        record = _read_json(sibling / RUN_FILE)
        if sibling == folder or record is None or record.get("status") != "succeeded":
            continue
        start = record.get("start")
        if isinstance(start, str) and start < current["start"]:
            earlier.append((start, sibling.name, sibling, record))
    for _, name, sibling, record in sorted(earlier, key=lambda e: (e[0], e[1]), reverse=True):
        figures = _read_json(sibling / RESULTS_FILE)
        if figures is not None:
            snapshot = record.get("snapshot") or {}
            return PreviousRun(
                f"{record.get('notebook', folder.parent.name)}/{name}",
                str(record.get("as_of", "")),
                str(snapshot.get("snapshot_id", "")),
                figures,
            )
    return None


def finding_keys(figures: dict[str, Any]) -> set[tuple[str, str]]:
    """(rule, key) of every finding a results file lists."""
    keys = figures.get("keys") or {}
    return {
        (str(rule), str(key))
        for rule, listed in keys.items()
        if isinstance(listed, list)
        for key in listed
    }


def judged_rules(figures: dict[str, Any]) -> set[str]:
    """The rules a results file says were run (`by_rule` lists them, zero included)."""
    by_rule = figures.get("by_rule")
    listed = by_rule if isinstance(by_rule, dict) else figures.get("keys") or {}
    return {str(rule) for rule in listed}


def changes(figures: dict[str, Any], previous: PreviousRun | None) -> list[tuple[str, Any]]:
    """The summary lines on what changed since the previous run, over the rules both runs
    judged: a rule the report did not run before (a newer workbench's) finds nothing new."""
    if previous is None:
        return [("Compared with", "no earlier run of this report")]
    ran_now, ran_before = judged_rules(figures), judged_rules(previous.figures)
    both = ran_now & ran_before
    now = {k for k in finding_keys(figures) if k[0] in both}
    before = {k for k in finding_keys(previous.figures) if k[0] in both}
    lines: list[tuple[str, Any]] = [
        (
            "Compared with",
            f"run {previous.run_id} (snapshot {previous.snapshot_id}, as of {previous.as_of})",
        ),
        ("New findings since then", len(now - before)),
        ("Findings resolved since then", len(before - now)),
        ("Change in the findings total", _signed(len(now) - len(before))),
    ]
    if ran_now != ran_before:
        only = ", ".join(sorted(ran_now ^ ran_before))
        lines.append(("Rules run by only one of the two runs (not compared)", only))
    return lines


def _signed(number: int) -> str:
    return f"+{number}" if number > 0 else str(number)


def summary_frame(
    highlights: list[tuple[str, Any]], figures: dict[str, Any], previous: PreviousRun | None
) -> pd.DataFrame:
    rows = [*highlights, *changes(figures, previous)]
    return pd.DataFrame(rows, columns=["summary", "value"]).astype({"value": "object"})


def summary_html(
    highlights: list[tuple[str, Any]],
    figures: dict[str, Any],
    results_path: str | Path | None,
) -> str:
    """The summary block: a heading and one table of totals and changes."""
    frame = summary_frame(highlights, figures, previous_run(results_path))
    frame["value"] = frame["value"].map(str)  # counts and sentences in one column, as text
    return f'<section class="summary"><h2>Summary</h2>{table_html(frame)}</section>'


def show_summary(
    highlights: list[tuple[str, Any]],
    figures: dict[str, Any],
    results_path: str | Path | None,
) -> None:
    """Display the summary in a notebook."""
    from IPython.display import HTML, display

    display(HTML(summary_html(highlights, figures, results_path)))
