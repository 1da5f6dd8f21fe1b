"""Audit-grade report outputs: printable, small, free of paths and placeholders, signed.

The session's runs on the sample (tests/sample_reports.py, shared with
tests/test_notebooks.py) are read here: the monthly set and the usage report run as
`report --all` and `report usage_report` run them, with a signing key configured;
retention_audit runs a second time so its summary has an earlier run to compare with.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import os
import re
import shutil
import sys
import unicodedata
from functools import cache
from pathlib import Path

import pytest
from browser_support import on_ci, require_chromium
from cli_runner import run_cli as cli
from pypdf import PageObject, PdfReader
from sample_reports import OTHERS, SampleReports

from insight_workbench.reports import MONTHLY_SET
from insight_workbench.reports.pdf import Printed, print_pdf
from insight_workbench.reports.report_html import export_report
from insight_workbench.reports.report_style import ReportContext
from insight_workbench.reports.signing import KEY_VARIABLE

pytestmark = pytest.mark.slow  # started first: see tests/conftest.py

REPORTS = [*MONTHLY_SET, "usage_report", *OTHERS]  # every notebook printed (not explore)
MB = 1024 * 1024


@pytest.fixture(scope="module")
def keys(sample_reports: SampleReports) -> dict[str, Path]:
    """The key the runs were signed with (and its public half), and another public key."""
    return sample_reports.keys


@pytest.fixture(scope="module")
def out(sample_reports: SampleReports) -> Path:
    """The reports folder: every report notebook's runs, retention_audit's two."""
    return sample_reports.out


def run_folders(out: Path, name: str) -> list[Path]:
    """The runs of one notebook, oldest first."""
    return sorted(p.parent for p in (out / name).glob("*/run.json"))


@pytest.fixture(scope="module")
def runs(out: Path) -> dict[str, Path]:
    return {name: run_folders(out, name)[-1] for name in REPORTS}


def record(folder: Path) -> dict:
    return json.loads((folder / "run.json").read_text(encoding="utf-8"))


def report_html(folder: Path) -> str:
    return (folder / f"{record(folder)['notebook']}.html").read_text(encoding="utf-8")


def visible_text(document: str) -> str:
    """What a reader sees: no script (chart data), no style, no markup."""
    document = re.sub(r"<(script|style)\b.*?</\1>", " ", document, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", document))


def table_headers(document: str) -> list[list[str]]:
    """The column headings of every table of the report, table by table."""
    heads = re.findall(r'<table class="report-table[^"]*"><thead><tr>(.*?)</tr></thead>', document)
    return [[html.unescape(h) for h in re.findall(r"<th>(.*?)</th>", row)] for row in heads]


@cache  # each report's PDF is read by several tests: its text is extracted once
def pdf_pages(pdf: Path) -> tuple[str, ...]:
    return tuple(page.extract_text() for page in PdfReader(pdf).pages)


def text_on_pages(pdf: Path) -> list[str]:
    """Each page's text that starts within the page: a PDF keeps the text of a table
    cut at the page's edge, drawn where no reader sees it, and `extract_text` finds it."""
    return [_text_within(page) for page in PdfReader(pdf).pages]


def _text_within(page: PageObject) -> str:
    left, right = float(page.mediabox.left), float(page.mediabox.right)
    kept: list[str] = []

    def keep(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]  # where the text starts, on the page
        if left - 1 <= x <= right:
            kept.append(text)

    page.extract_text(visitor_text=keep)
    return "".join(kept)


def squeezed(text: str) -> str:
    """Text compared across HTML and PDF: ligatures undone, no white space."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.mark.parametrize("name", REPORTS)
def test_every_column_of_every_table_is_on_the_printed_page(
    runs: dict[str, Path], name: str
) -> None:
    require_chromium()
    folder = runs[name]
    assert record(folder)["pdf"] == {"status": "printed"}
    pages = [squeezed(page) for page in text_on_pages(folder / f"{name}.pdf")]
    tables = table_headers(report_html(folder))
    assert tables, "the report has tables"
    for headers in tables:
        # The whole header row, in order, on one page: a column cut off at the page's
        # edge is missing from the PDF's text.
        row = squeezed("".join(headers))
        assert any(row in page for page in pages), f"{name}: columns cut: {headers}"


@pytest.mark.parametrize("name", REPORTS)
def test_each_page_names_the_report_snapshot_and_run(runs: dict[str, Path], name: str) -> None:
    require_chromium()
    folder = runs[name]
    run = record(folder)
    pages = pdf_pages(folder / f"{name}.pdf")
    for number, page in enumerate(pages, 1):
        text = unicodedata.normalize("NFKC", page)
        assert f"Report {name}" in text
        assert f"Snapshot {run['snapshot']['snapshot_id']}" in text
        assert f"As of {run['as_of']}" in text
        assert f"Run {name}/{folder.name}" in text
        assert f"Page {number} of {len(pages)}" in text


@pytest.mark.parametrize("name", REPORTS)
def test_a_run_stays_small_with_one_shared_plotly(
    out: Path, runs: dict[str, Path], name: str
) -> None:
    folder = runs[name]
    shared = record(folder)["shared"]["plotly.js"]
    library = (folder / shared["path"]).resolve()
    assert library.parent == out.resolve()  # at the top of the reports folder
    assert f'<script src="{shared["path"]}"></script>' in report_html(folder)
    size = sum(p.stat().st_size for p in folder.iterdir())
    assert size < 2 * MB, f"{name}: {size} bytes"
    assert len(list(out.glob("*.js"))) == 1  # written once for every run


@pytest.mark.parametrize("name", REPORTS)
def test_no_path_of_this_machine_in_what_a_run_leaves(
    sample_path: Path, out: Path, runs: dict[str, Path], name: str
) -> None:
    folder = runs[name]
    pdf = folder / f"{name}.pdf"
    texts = {
        file.name: file.read_text(encoding="utf-8")
        for file in folder.iterdir()
        if file.suffix in (".html", ".json", ".ipynb")
    }
    if pdf.is_file():
        texts[pdf.name] = "\n".join(pdf_pages(pdf))
        texts[pdf.name + " (bytes)"] = pdf.read_bytes().decode("latin-1")
    roots = {str(out.resolve()), str(sample_path.resolve()), str(Path.home()), "file://"}
    roots |= {str(Path(__file__).resolve().parents[1])}
    for file, text in texts.items():
        found = [root for root in roots if root in text]
        assert found == [], f"{name}/{file} names {found}"


@pytest.mark.parametrize("name", REPORTS)
def test_no_placeholder_or_developer_text_is_shown(runs: dict[str, Path], name: str) -> None:
    text = visible_text(report_html(runs[name]))
    shown = re.findall(r"\b(?:NaN|NaT|None|nan|null|results\.json)\b", text)
    assert shown == []
    assert "insight-workbench report" not in text  # how to run it is for the notebook only
    assert "<th></th>" not in report_html(runs[name])  # no unnamed (row number) column


@pytest.mark.parametrize("name", MONTHLY_SET)
def test_the_summary_comes_before_the_detail(runs: dict[str, Path], name: str) -> None:
    text = visible_text(report_html(runs[name]))
    summary = text.index("Summary")
    assert summary < text.index("Findings ")
    assert summary < min(
        text.index(h) for h in ("(RET-", "(SAR-", "(ACC-", "Verdict per") if h in text
    )
    results = json.loads((runs[name] / "results.json").read_text(encoding="utf-8"))
    assert re.search(rf"Findings\s+{results['findings']}\b", text[summary:])


def test_the_summary_compares_with_the_previous_run(out: Path) -> None:
    first, second = run_folders(out, "retention_audit")
    text = visible_text(report_html(second))
    assert f"run retention_audit/{first.name}" in text
    assert re.search(r"New findings since then\s+0\b", text)
    assert "no earlier run of this report" in visible_text(report_html(first))


def verify(*args: str | Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    done = cli("reports", "verify", *args, env={**os.environ, **(env or {})})
    assert "Traceback" not in done.stderr
    return done.returncode, done.stdout + done.stderr


def test_every_run_verifies_against_the_trusted_key(out: Path, keys: dict[str, Path]) -> None:
    code, said = verify(out, "--public-key", keys["public"])
    assert code == 0, said
    folders = list(out.glob("*/*/run.json"))
    assert len(folders) == len(REPORTS) + 2  # explore; retention_audit twice
    assert said.count("ok ") == len(folders)
    assert "signed by the trusted key" in said


def test_every_file_of_a_run_is_its_owner_s_alone(runs: dict[str, Path]) -> None:
    """Runs hold personal data (the access review's addresses and user ids), PDFs and
    headline figures included."""
    for name, folder in runs.items():
        files = [p for p in folder.iterdir() if p.is_file()]
        assert {p.suffix for p in files} >= {".html", ".ipynb", ".json"}, name
        if name != "explore":
            assert folder / f"{name}.pdf" in files
        for path in files:
            assert path.stat().st_mode & 0o077 == 0, path.name


def test_another_key_is_refused(runs: dict[str, Path], keys: dict[str, Path]) -> None:
    code, said = verify(runs["access_review"], "--public-key", keys["other_public"])
    assert code == 1
    assert "signed by another key" in said


@pytest.fixture
def copied_run(runs: dict[str, Path], tmp_path: Path) -> Path:
    """A copy of one run in a reports folder of its own (the shared plotly.js beside)."""
    source = runs["access_review"]
    target = tmp_path / "reports" / "access_review" / source.name
    shutil.copytree(source, target)
    for script in source.parent.parent.glob("*.js"):
        shutil.copy(script, tmp_path / "reports" / script.name)
    return target


def test_the_copy_verifies_until_a_file_is_changed(copied_run: Path, keys: dict[str, Path]) -> None:
    assert verify(copied_run, "--public-key", keys["public"])[0] == 0
    report = copied_run / "access_review.html"
    report.write_text(report.read_text(encoding="utf-8") + "<!-- -->", encoding="utf-8")
    code, said = verify(copied_run, "--public-key", keys["public"])
    assert code == 1
    assert "access_review.html: differs from its SHA-256" in said


def test_a_run_named_relative_to_the_working_folder_is_found(
    copied_run: Path, keys: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(copied_run)
    assert verify(".", "--public-key", keys["public"])[0] == 0
    monkeypatch.chdir(copied_run.parent)
    assert verify(copied_run.name, "--public-key", keys["public"])[0] == 0


@pytest.mark.parametrize("damage", [b"{", b"", b"[]"])
def test_a_damaged_record_is_a_problem_not_a_missing_run(
    copied_run: Path, keys: dict[str, Path], damage: bytes
) -> None:
    (copied_run / "run.json").write_bytes(damage)
    for where in (copied_run, copied_run.parent.parent):  # the run, and its reports folder
        code, said = verify(where, "--public-key", keys["public"])
        assert code == 1, said
        assert f"{copied_run.name}" in said
        assert "run.json is not a readable run record" in said


def test_a_run_that_did_not_finish_says_so(copied_run: Path) -> None:
    run = record(copied_run)
    del run["sha256"], run["signature"]
    run["status"] = "failed"
    run["error"] = {"cell": None, "ename": "interrupted", "evalue": "its process is gone"}
    (copied_run / "run.json").write_text(json.dumps(run), encoding="utf-8")
    code, said = verify(copied_run, env={KEY_VARIABLE: ""})
    assert code == 1
    assert "the run did not finish (failed: interrupted)" in said


def test_a_changed_record_breaks_the_signature(copied_run: Path, keys: dict[str, Path]) -> None:
    run = record(copied_run)
    run["status"] = "succeeded "
    (copied_run / "run.json").write_text(json.dumps(run), encoding="utf-8")
    code, said = verify(copied_run, env={KEY_VARIABLE: str(keys["private"])})
    assert code == 1
    assert "signature does not match" in said


def test_a_changed_shared_plotly_is_found(copied_run: Path, keys: dict[str, Path]) -> None:
    script = next(copied_run.parent.parent.glob("*.js"))
    script.write_text("/* not plotly */", encoding="utf-8")
    code, said = verify(copied_run, "--public-key", keys["public"])
    assert code == 1
    assert "shared plotly.js: differs" in said


def test_an_unsigned_run_fails_only_when_a_key_is_trusted(
    copied_run: Path, keys: dict[str, Path]
) -> None:
    run = record(copied_run)
    del run["signature"]
    (copied_run / "run.json").write_text(json.dumps(run), encoding="utf-8")
    code, said = verify(copied_run, env={KEY_VARIABLE: ""})
    assert (code, "not signed" in said) == (0, True)
    code, said = verify(copied_run, "--public-key", keys["public"])
    assert (code, "run.json is not signed" in said) == (1, True)


def test_a_bad_key_file_is_refused_before_anything_runs(sample_path: Path, tmp_path: Path) -> None:
    bad = tmp_path / "key.pem"
    bad.write_text("not a key", encoding="utf-8")
    env = {**os.environ, KEY_VARIABLE: str(bad)}
    done = cli("report", "retention_audit", "--snapshot", sample_path, "--out", tmp_path, env=env)
    assert done.returncode == 2
    assert "not an unencrypted PEM private key" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "retention_audit").exists()


def test_without_a_printer_the_run_succeeds_and_says_the_pdf_was_skipped(
    sample_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as where it is not installed
    echo = Path(__file__).parent / "notebooks" / "echo.ipynb"
    env = {**os.environ, "CHROMIUM": "no-such-chromium", "INSIGHT_CHROMIUM": "no-such-chromium"}
    done = cli("report", echo, "--snapshot", sample_path, "--out", tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert "echo: PDF skipped: no Chromium" in done.stderr
    run = record(next(tmp_path.glob("echo/*")))
    assert run["status"] == "succeeded"
    assert run["pdf"]["status"] == "skipped"
    assert "pdf" not in run["files"]
    assert not list(tmp_path.glob("echo/*/*.pdf"))


def require_weasyprint() -> None:
    """WeasyPrint, able to load Pango; without it, skip with one line (fail on CI)."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # its advice when Pango is missing
            import weasyprint  # noqa: F401
    except OSError:
        reason = "the WeasyPrint test needs the Pango library (Chromium's package brings it)"
        if on_ci():
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


def test_without_chromium_weasyprint_prints_every_table_with_header_and_footer(
    runs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_weasyprint()
    # The monthly pack holds every audit's tables. Its printable copy is exported again
    # from the run's notebook, as the run exported it.
    name = "monthly_compliance_pack"
    folder = runs[name]
    run = record(folder)
    context = ReportContext(
        notebook=name,
        snapshot_id=run["snapshot"]["snapshot_id"],
        as_of=run["as_of"],
        run_id=f"{name}/{folder.name}",
        generated=run["end"],
    )
    printable = export_report(folder / f"{name}.ipynb", tmp_path / "report.html", context, None)
    copy = tmp_path / "printable.html"
    copy.write_text(printable, encoding="utf-8")
    monkeypatch.setenv("CHROMIUM", "no-such-chromium")
    monkeypatch.delenv("INSIGHT_CHROMIUM", raising=False)
    printed = print_pdf(copy, tmp_path / "report.pdf")
    assert printed == Printed(tmp_path / "report.pdf")
    pages = pdf_pages(tmp_path / "report.pdf")
    # Every table is printed (WeasyPrint draws a table's heading row as one run of text,
    # so whether a wide one is cut at the page's edge is not told from the text here).
    squeezed_pages = [squeezed(page) for page in pages]
    for headers in table_headers(report_html(folder)):
        row = squeezed("".join(headers))
        assert any(row in page for page in squeezed_pages), f"{name}: table missing: {headers}"
    for number, page in enumerate(pages, 1):
        text = unicodedata.normalize("NFKC", page)
        assert f"Report {name}" in text
        assert f"Run {name}/{folder.name}" in text
        assert f"Page {number} of {len(pages)}" in text


def test_a_printed_chart_is_as_wide_as_the_page_allows(
    runs: dict[str, Path], tmp_path: Path, browser
) -> None:
    """Laid out for print, each chart's drawing spans the page (or fills its height
    limit): in an output printed as a table cell it shrank to 300px, unreadable."""
    require_chromium()
    name = "monthly_compliance_pack"
    folder = runs[name]
    context = ReportContext(name, "s", "a", "r", "g")
    printable = export_report(folder / f"{name}.ipynb", tmp_path / "report.html", context, None)
    copy = tmp_path / "printable.html"
    copy.write_text(printable, encoding="utf-8")
    page = browser.new_context().new_page()
    page.goto(copy.as_uri())
    page.emulate_media(media="print")
    sizes = page.evaluate(
        """() => [...document.querySelectorAll('.print-chart svg')].map(svg => [
            svg.getBoundingClientRect().width, svg.getBoundingClientRect().height,
            document.querySelector('main').getBoundingClientRect().width])"""
    )
    assert sizes, "the pack has charts"
    for width, height, page_width in sizes:
        assert width >= 0.9 * page_width or height >= 300, (width, height, page_width)
