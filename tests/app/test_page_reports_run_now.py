"""Reports page: "Run now" starts a report in the background and lists it when done."""

from __future__ import annotations

import json
import time
from pathlib import Path

from apphelpers import frame_with

PAGE = "app_pages/reports.py"


def test_run_now_starts_a_report_and_lists_it(open_app, tmp_path: Path) -> None:
    app = open_app("dpo", PAGE, env={"INSIGHT_REPORTS_DIR": str(tmp_path)})
    app.selectbox(key="run_notebook").select("access_review")
    app.text_input(key="run_as_of").input("2026-11-20")
    app.button[0].click().run()
    assert not app.exception
    assert not app.error
    assert "report_job" in app.session_state
    deadline = time.monotonic() + 180
    while "report_job" in app.session_state and time.monotonic() < deadline:
        time.sleep(2)
        app.run()
    assert not app.exception
    assert not app.error
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
    assert "--as-of" in app.error[0].value
    assert "report_job" not in app.session_state
    assert not any(tmp_path.iterdir())
