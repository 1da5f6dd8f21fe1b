"""What a report notebook needs besides the library: its inputs, offline charts, and
a results file of its headline figures.

`write_results` leaves `results.json` next to the executed notebook, so tests
and scheduled jobs compare figures without reading the HTML. Opened in
Jupyter (no `results_path`), it writes nothing.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.io as pio

from insight_workbench import __version__
from insight_workbench.atomic import write_atomically
from insight_workbench.errors import InputError
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.loading.workspace import open_snapshot
from insight_workbench.markdown_text import escape_markdown
from insight_workbench.policy import Policy, load_policy
from insight_workbench.reports.notebooks import RUN_POLICY_VARIABLE, RUN_SNAPSHOT_VARIABLE
from insight_workbench.reports.tables import table_html
from insight_workbench.timeutil import format_utc, parse_as_of, start_of_utc_day


@dataclass(frozen=True)
class ReportInputs:
    snapshot: Snapshot
    policy: Policy
    as_of: datetime
    policy_path: str | None

    @property
    def as_of_iso(self) -> str:
        return format_utc(self.as_of)


def open_inputs(
    snapshot: str | Path, as_of: str | None = None, policy: str | Path | None = None
) -> ReportInputs:
    """Load the snapshot and policy a notebook was given; `as_of` None is the export time.
    In a report run, a snapshot or policy settings other than those its record names
    are refused."""
    loaded = open_snapshot(snapshot)
    expected = os.environ.get(RUN_SNAPSHOT_VARIABLE)
    if expected and loaded.manifest.checksum != expected:
        loaded.con.close()
        raise InputError(
            f"{Path(snapshot).name}: the snapshot folder holds another export than when "
            "the run started (its manifest changed); run the report again"
        )
    moment = parse_as_of(as_of, loaded.manifest.exported_at)
    try:
        settings = load_policy(policy)
    except InputError:
        loaded.con.close()
        raise
    pinned = os.environ.get(RUN_POLICY_VARIABLE)
    if pinned and settings.fingerprint() != pinned:
        loaded.con.close()
        raise InputError(
            f"{Path(str(policy)).name}: the policy file holds other settings than when the "
            "run started (it was edited); run the report again"
        )
    return ReportInputs(loaded, settings, moment, None if policy is None else str(policy))


def open_analyst_inputs(
    snapshot: str | Path, as_of: str | None = None, policy: str | Path | None = None
) -> ReportInputs:
    """As `open_inputs`, for a report on analyst-safe data: `as_of` is the start of its
    UTC day, as in the app's analyst role, so two runs a second apart cannot differ by one
    person's login (docs/analyst-data.md)."""
    inputs = open_inputs(snapshot, as_of, policy)
    return replace(inputs, as_of=start_of_utc_day(inputs.as_of))


def header(inputs: ReportInputs, personal_data: bool = True) -> str:
    """The report's opening lines (Markdown): what was checked, as of when, under what policy.
    Values from the manifest and the file system are escaped: shown as text, never markup."""
    manifest = inputs.snapshot.manifest
    policy = "the defaults"
    if inputs.policy_path:
        policy = escape_markdown(Path(inputs.policy_path).name)
    lines = [
        f"- Snapshot: **{escape_markdown(manifest.snapshot_id)}**, exported "
        f"{escape_markdown(manifest.exported_at_iso)} "
        f"(manifest sha256 {escape_markdown(manifest.checksum[:16])}…)",
        f"- As of: **{escape_markdown(inputs.as_of_iso)}**",
        f"- Policy: {policy}",
        f"- Insight Workbench {__version__}",
    ]
    if personal_data:
        lines += ["", "*This report contains personal data: keep it only as long as needed.*"]
    elif inputs.policy.deidentification.min_cell > 1:
        lines += ["", "*Analyst-safe data only: no identifier of anyone.*"]
    else:  # the policy turned suppression off: say so where the claim would stand
        lines += [
            "",
            "*No identifier of anyone, but nothing is suppressed (the policy's `min_cell` "
            "is 1): a figure may be one person's. Do not share this report as "
            "analyst-safe.*",
        ]
    return "\n".join(lines)


def use_offline_charts() -> None:
    """Plotly figures are output as their JSON only (no script): JupyterLab draws them,
    and the exported report redraws them with its own copy of plotly.js, so it needs
    no network connection. Tables show every row and whole messages (a report must not
    cut findings short), as the reports' tables."""
    pio.renderers.default = "plotly_mimetype"
    pd.set_option("display.max_rows", None)
    pd.set_option("display.max_colwidth", None)
    _plain_tables()


def _plain_tables() -> None:
    """A frame displayed in the notebook shows as the reports' tables do: labelled
    columns, no row numbers, blanks for missing values (see tables)."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, table_html)


def write_results(path: str | Path | None, figures: dict[str, Any]) -> None:
    """Write the headline figures as JSON at `path`; nothing when `path` is None."""
    if path is None:
        return
    text = json.dumps(figures, indent=2, sort_keys=True, default=_plain)
    write_atomically(Path(path), (text + "\n").encode("utf-8"))


def read_results(path: str | Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return data


def _plain(value: Any) -> Any:
    """numpy and pandas scalars, dates and times as plain JSON."""
    if isinstance(value, datetime):
        return format_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
