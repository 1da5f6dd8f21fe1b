"""Reports page: "Run now" starts a report in the background and lists it when done."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import nbformat
from apphelpers import frame_with

from insight_workbench.reports.background import BackgroundRun
from insight_workbench.reports.notebooks import find_notebook

PAGE = "app_pages/reports.py"
STATUS = r"Running access_review: (starting \(\d+ s\)|cell \d+ of \d+)"


def executed_cells(notebook: str) -> int:
    """The notebook's cells and the one papermill adds with the injected parameters."""
    return len(nbformat.read(find_notebook(notebook).path, as_version=4).cells) + 1


def until_the_next_poll(job: BackgroundRun, heard: set[str], seconds: float = 2) -> None:
    """Wait as the page does between two looks at the run (every 2 s), but no longer
    than the run lasts, noting what the run says meanwhile (into `heard`)."""
    deadline = time.monotonic() + seconds
    while job.running and time.monotonic() < deadline:
        heard.add(job.status())
        time.sleep(0.05)


def test_run_now_starts_a_report_and_lists_it(open_app, tmp_path: Path) -> None:
    app = open_app("dpo", PAGE, env={"INSIGHT_REPORTS_DIR": str(tmp_path)})
    app.selectbox(key="run_notebook").select("access_review")
    app.text_input(key="run_as_of").input("2026-11-20")
    app.button[0].click().run()
    assert not app.exception
    assert not app.error
    assert "report_job" in app.session_state
    job = app.session_state["report_job"]
    said = [s.label for s in app.get("status")]
    heard: set[str] = set()
    deadline = time.monotonic() + 180
    while "report_job" in app.session_state and time.monotonic() < deadline:
        until_the_next_poll(job, heard)
        app.run()
        said += [s.label for s in app.get("status")]
    assert not app.exception
    assert not app.error
    # The page says how far the run got, in cells, as the child process reports them.
    cells = executed_cells("access_review")
    assert job.step is not None
    assert (job.step.notebook, job.step.done, job.step.total) == ("access_review", cells, cells)
    assert job.status() == f"Running access_review: cell {cells} of {cells}"
    assert job.progress is None  # the progress file went with the run
    assert said
    assert all(re.fullmatch(STATUS, label) for label in said), said
    # Between the page's looks, the run reported each cell as it went, not only at the end.
    assert any("cell" in label for label in heard)
    assert all(re.fullmatch(STATUS, label) for label in heard), heard
    runs = frame_with(app, "notebook", "status")
    assert list(runs["notebook"]) == ["access_review"]
    assert list(runs["status"]) == ["succeeded"]
    record = json.loads(next(tmp_path.glob("access_review/*/run.json")).read_text())
    assert record["as_of"] == "2026-11-20T00:00:00Z"
    app.toggle(key="report_preview").set_value(True).run()
    assert not app.exception


def test_run_now_refuses_a_bad_as_of(open_app, tmp_path: Path) -> None:
    app = open_app("dpo", PAGE, env={"INSIGHT_REPORTS_DIR": str(tmp_path)})
    app.text_input(key="run_as_of").input("soon")
    app.button[0].click().run()
    assert not app.exception
    assert app.error[0].value.startswith("As of: not a date")
    assert "--" not in app.error[0].value
    assert "report_job" not in app.session_state
    assert not any(tmp_path.iterdir())
