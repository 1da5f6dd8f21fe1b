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


def test_two_runs_of_one_second_are_told_apart_in_the_selector(open_app, tmp_path: Path) -> None:
    """Both started at 01:00:00: by notebook, start and status alone their labels were
    one, and the selector served the other run after any rerun."""
    write_run(tmp_path, "retention_audit", "20261101T010000Z", "succeeded", html=True)
    write_run(tmp_path, "retention_audit", "20261101T010000Z-2", "succeeded", html=True)
    app = open_app("dpo", PAGE, env={"INSIGHT_REPORTS_DIR": str(tmp_path)})
    assert not app.exception
    [selector] = [s for s in app.selectbox if s.key == "report_run"]
    labels = list(selector.options)  # as shown
    assert len(set(labels)) == 2, labels


def test_each_download_of_a_report_is_in_the_audit_trail(
    open_app, tmp_path: Path, ledger_setting: str
) -> None:
    """The PDF holds what the HTML holds: its download was not logged."""
    from insight_workbench.ledger.audit_trail import entries
    from insight_workbench.ledger.database import open_ledger

    write_run(tmp_path, "retention_audit", "20261101T010000Z", "succeeded", html=True)
    folder = tmp_path / "retention_audit" / "20261101T010000Z"
    record = json.loads((folder / "run.json").read_text())
    record["files"]["pdf"] = "retention_audit.pdf"
    (folder / "run.json").write_text(json.dumps(record))
    (folder / "retention_audit.pdf").write_bytes(b"%PDF-1.7\n%%EOF\n")
    env = {"INSIGHT_REPORTS_DIR": str(tmp_path), "INSIGHT_LEDGER": ledger_setting}
    app = open_app("dpo", PAGE, env=env)
    app.download_button(key="report_html").click().run()
    app.download_button(key="report_pdf").click().run()
    assert not app.exception
    taken = entries(open_ledger(ledger_setting), actions=["report_download"])
    assert len(taken) == 2
