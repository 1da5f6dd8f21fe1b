"""Reports page: the audit notebook runs under the reports folder."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

from apphelpers import frame_with, metrics

PAGE = "app_pages/reports.py"


def write_run(root: Path, notebook: str, stamp: str, status: str, html: bool) -> None:
    folder = root / notebook / stamp
    folder.mkdir(parents=True)
    record = {
        "notebook": notebook,
        "start": f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T01:00:00Z",
        "end": None,
        "status": status,
        "as_of": "2026-11-28T02:00:00Z",
        "snapshot": {"snapshot_id": "sample"},
        "files": {"notebook": f"{notebook}.ipynb", "html": f"{notebook}.html"},
        "error": None if status == "succeeded" else {"ename": "ValueError"},
    }
    (folder / "run.json").write_text(json.dumps(record))
    if html:
        (folder / f"{notebook}.html").write_text("<html><body>report</body></html>")


def test_no_runs_is_a_clear_message(open_app, tmp_path: Path) -> None:
    app = open_app("dpo", PAGE, env={"INSIGHT_REPORTS_DIR": str(tmp_path / "none")})
    assert not app.exception
    said = app.info[0].value
    assert said == "No report has been run yet: choose a notebook above and run it now."
    # The way to a first report is on the page, open: no terminal, no command line.
    (form,) = [e for e in app.expander if e.label == "Run a report now"]
    assert form.proto.expanded
    assert app.get("selectbox")


def test_runs_are_listed_newest_first_with_their_html(open_app, tmp_path: Path) -> None:
    write_run(tmp_path, "retention_audit", "20261101T010000Z", "succeeded", html=True)
    write_run(tmp_path, "access_review", "20261102T010000Z", "failed", html=False)
    app = open_app("dpo", PAGE, env={"INSIGHT_REPORTS_DIR": str(tmp_path)})
    assert not app.exception
    assert metrics(app) == {"Runs": "2", "Succeeded": "1", "Failed": "1"}
    assert not next(e for e in app.expander if e.label == "Run a report now").proto.expanded
    runs = frame_with(app, "notebook", "status")
    assert list(runs["notebook"]) == ["access_review", "retention_audit"]
    assert "This run has no HTML report." in app.warning[0].value
    app.selectbox(key="report_run").select(1).run()
    assert not app.warning
    assert app.get("download_button")


def test_a_relative_reports_folder_is_the_starting_folders(
    open_app, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = open_app("dpo", PAGE, env={"INSIGHT_REPORTS_DIR": "runs"})
    assert not app.exception
    assert "No report has been run yet" in app.info[0].value
    write_run(tmp_path / "runs", "retention_audit", "20261101T010000Z", "succeeded", html=True)
    app.run()
    assert metrics(app)["Runs"] == "1"


def test_a_report_is_shown_in_a_sandbox_without_the_app_s_origin(open_app, tmp_path: Path) -> None:
    write_run(tmp_path, "retention_audit", "20261101T010000Z", "succeeded", html=True)
    report = tmp_path / "retention_audit" / "20261101T010000Z" / "retention_audit.html"
    report.write_text('<p title="a&b">report</p>')
    app = open_app("dpo", PAGE, env={"INSIGHT_REPORTS_DIR": str(tmp_path)})
    app.toggle(key="report_preview").set_value(True).run()
    assert not app.exception
    frames = [Frames.of(e.proto.srcdoc) for e in app.get("iframe")]
    assert frames == [[("allow-scripts", '<p title="a&b">report</p>')]]


class Frames(HTMLParser):
    """The sandbox and srcdoc of every iframe in a document."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str | None, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "iframe":
            self.found.append((dict(attrs).get("sandbox"), dict(attrs).get("srcdoc")))

    @classmethod
    def of(cls, document: str) -> list[tuple[str | None, str | None]]:
        parser = cls()
        parser.feed(document)
        return parser.found


def test_a_run_whose_record_is_damaged_is_named_not_left_out(open_app, tmp_path: Path) -> None:
    write_run(tmp_path, "retention_audit", "20261101T010000Z", "succeeded", html=True)
    write_run(tmp_path, "access_review", "20261102T010000Z", "succeeded", html=True)
    (tmp_path / "access_review" / "20261102T010000Z" / "run.json").write_text("{")
    app = open_app("dpo", PAGE, env={"INSIGHT_REPORTS_DIR": str(tmp_path)})
    assert not app.exception
    said = [w.value for w in app.warning]
    assert said[0] == (
        "Not shown: access_review/20261102T010000Z/run.json is not a readable run record."
    )
    assert list(frame_with(app, "notebook", "status")["notebook"]) == ["retention_audit"]


def test_a_record_edited_by_hand_is_named_as_text_and_the_others_stay_listed(
    open_app, tmp_path: Path
) -> None:
    write_run(tmp_path, "retention_audit", "20261101T010000Z", "succeeded", html=True)
    write_run(tmp_path, "access_review", "20261102T010000Z", "succeeded", html=True)
    edited = tmp_path / "access_review" / "20261102T010000Z" / "run.json"
    record = json.loads(edited.read_text())
    record["snapshot"] = "just-a-string"
    record["files"] = {"[click me](https://evil.example/x) **bold**": "../../../../etc/passwd"}
    edited.write_text(json.dumps(record))
    app = open_app("dpo", PAGE, env={"INSIGHT_REPORTS_DIR": str(tmp_path)})
    assert not app.exception
    listed = frame_with(app, "notebook", "status")
    assert list(listed["notebook"]) == ["access_review", "retention_audit"]
    [damaged] = [e.value for e in app.error]
    assert damaged.startswith("This run's record is damaged (run.json files.")
    assert "\\[click me\\]" in damaged  # escaped: shown as text, never as a link
    assert "**bold**" not in damaged
