"""Reports page: a run whose record names a file outside its folder is shown as damaged
and nothing it names is served; links in the reports folder are named, not followed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from apphelpers import frame_with, rendered_text

PAGE = "app_pages/reports.py"
SECRET = "not-a-report-secret-line"


def write_run(root: Path, html: str) -> Path:
    folder = root / "retention_audit" / "2026-11-01T010000Z"
    folder.mkdir(parents=True)
    record = {
        "notebook": "retention_audit",
        "start": "2026-11-01T01:00:00Z",
        "end": "2026-11-01T01:01:00Z",
        "status": "succeeded",
        "snapshot": {"snapshot_id": "sample"},
        "files": {"notebook": "retention_audit.ipynb", "html": html},
        "error": None,
    }
    (folder / "run.json").write_text(json.dumps(record), encoding="utf-8")
    return folder


@pytest.mark.parametrize("absolute", [False, True])
def test_an_html_path_outside_its_run_is_refused(open_app, tmp_path: Path, absolute: bool) -> None:
    secret = tmp_path / "secret.html"
    secret.write_text(f"<html>{SECRET}</html>", encoding="utf-8")
    reports = tmp_path / "reports"
    write_run(reports, str(secret) if absolute else "../../../secret.html")
    app = open_app("dpo", PAGE, env={"INSIGHT_REPORTS_DIR": str(reports)})
    assert not app.exception
    assert list(frame_with(app, "notebook", "status")["status"]) == ["damaged"]
    assert "damaged" in app.error[0].value
    # only the runs table's own CSV: nothing of the damaged run can be downloaded
    assert [b.key for b in app.get("download_button")] == ["runs_table_csv"]
    assert SECRET not in rendered_text(app)


def test_a_linked_run_folder_is_named_and_not_listed(open_app, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    write_run(reports, "retention_audit.html")
    elsewhere = write_run(tmp_path / "elsewhere", "retention_audit.html")
    (reports / "access_review").mkdir()
    (reports / "access_review" / "2026-11-02T010000Z").symlink_to(elsewhere)
    app = open_app("dpo", PAGE, env={"INSIGHT_REPORTS_DIR": str(reports)})
    assert not app.exception
    assert list(frame_with(app, "notebook")["notebook"]) == ["retention_audit"]
    assert "access_review/2026-11-02T010000Z is a symbolic link" in app.warning[0].value
