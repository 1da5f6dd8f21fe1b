"""The report notebooks: committed clean, and each executed through `insight-workbench
report` (the session's runs on the sample, shared with tests/test_report_outputs.py),
its figures compared with the library's for the same snapshot."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from html import unescape
from pathlib import Path
from typing import Any

import nbformat
import pytest
from plotly.offline import get_plotlyjs
from sample_reports import SampleReports
from sqlalchemy import select

from insight_workbench import access_monitoring as access
from insight_workbench.analyst import usage
from insight_workbench.deadlines.schedule import build_schedule
from insight_workbench.deidentification import assessment as deid
from insight_workbench.ledger.database import open_ledger, reading
from insight_workbench.ledger.runs import run_identity
from insight_workbench.ledger.tables import audit
from insight_workbench.ledger.tables import runs as recorded_runs
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.policy import load_policy
from insight_workbench.reports.notebooks import NOTEBOOKS_DIR
from insight_workbench.rules.runner import run_check
from insight_workbench.subject_requests.request_table import request_deadlines
from insight_workbench.timeutil import format_utc, start_of_utc_day

pytestmark = pytest.mark.slow  # started first: see tests/conftest.py

NOTEBOOKS = sorted(p.stem for p in NOTEBOOKS_DIR.glob("*.ipynb"))
AUDITS = {  # the rules each audit reports: one family, and SEC-001 of a released dataset
    "retention_audit": ("RET",),
    "subject_requests_audit": ("SAR",),
    "deidentification_audit": ("DEID", "SEC-001"),
    "access_review": ("ACC",),
}
IN_DATASETS = "column:deidentified/"  # the key of a SEC-001 finding about a dataset


def test_every_notebook_of_the_issue_is_there() -> None:
    """(Others may join them: the sample's report runs take every notebook.)"""
    assert {*AUDITS, "usage_report", "monthly_compliance_pack", "explore"} <= set(NOTEBOOKS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_without_outputs(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
    nbformat.validate(notebook)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name} cell {index} has stored outputs"
            assert cell.execution_count is None, f"{name} cell {index} has an execution count"
        assert "attachments" not in cell


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_one_parameters_cell_and_library_calls_only(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for assigned in ("snapshot =", "as_of =", "policy =", "results_path ="):
        assert assigned in tagged[0].source
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    assert "duckdb" not in code
    assert not re.search(r"\b(SELECT|FROM|WHERE)\b", code)
    assert notebook.metadata.kernelspec.name == "python3"


@pytest.fixture(scope="module")
def snapshot(sample: Snapshot) -> Snapshot:
    return sample  # the session's loaded sample: the notebooks run on the same folder


@pytest.fixture(scope="module")
def runs(sample_reports: SampleReports) -> dict[str, Path]:
    """Every notebook's first run: the monthly set with --all (into an empty ledger), then
    the usage report and the explore starter."""
    folders = sample_reports.first_runs()
    assert sorted(folders) == NOTEBOOKS
    return folders


def record(runs: dict[str, Path], name: str) -> dict[str, Any]:
    return json.loads((runs[name] / "run.json").read_text(encoding="utf-8"))


def results(runs: dict[str, Path], name: str) -> dict[str, Any]:
    return json.loads((runs[name] / "results.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_each_run_is_recorded(runs: dict[str, Path], name: str, snapshot: Snapshot) -> None:
    run = record(runs, name)
    assert run["notebook"] == name
    assert run["status"] == "succeeded"
    assert run["error"] is None
    assert run["snapshot"]["snapshot_id"] == snapshot.manifest.snapshot_id
    assert run["snapshot"]["checksum"] == snapshot.manifest.checksum
    at = snapshot.manifest.exported_at  # an analyst's report counts to the start of its day
    assert run["as_of"] == format_utc(start_of_utc_day(at) if name == "usage_report" else at)
    assert run["policy"] == {"path": None, "values": load_policy().as_dict()}
    assert run["start"] <= run["end"]
    assert set(run["files"]) - {"pdf"} == {"notebook", "html", "results"}  # pdf: if printed
    assert all((runs[name] / f).is_file() for f in run["files"].values())
    for file, digest in run["sha256"].items():
        assert hashlib.sha256((runs[name] / file).read_bytes()).hexdigest() == digest
    assert set(run["sha256"]) == set(run["files"].values())


def test_a_run_leaves_nothing_in_the_home_folder(
    sample_reports: SampleReports, runs: dict[str, Path]
) -> None:
    """The kernel's IPython profile and Chromium's crash reports and caches go to
    throw-away folders: the reports folder is the only place a run writes to."""
    assert any((folder / f"{name}.pdf").is_file() for name, folder in runs.items())
    assert sorted(p.relative_to(sample_reports.home) for p in sample_reports.home.rglob("*")) == []


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_default_snapshot_is_the_sample_seen_from_the_notebook_s_own_folder(name: str) -> None:
    """Opened in Jupyter, a notebook runs in its real folder (`notebooks/` links to the
    package's): `../data/sample` named a folder that is not there."""
    source = nbformat.read(NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
    parameters = next(c for c in source.cells if "parameters" in c.metadata.get("tags", []))
    found = re.search(r'^snapshot = "([^"]+)"', parameters.source, re.MULTILINE)
    assert found is not None
    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    assert (NOTEBOOKS_DIR.resolve() / found[1]).resolve() == sample.resolve()


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_html_has_no_code(runs: dict[str, Path], name: str) -> None:
    html = (runs[name] / f"{name}.html").read_text(encoding="utf-8")
    text = unescape(re.sub(r"<[^>]+>", "", html))  # highlighted code would read as plain text
    assert 'class="jp-InputPrompt' not in html
    assert 'class="highlight hl-ipython3' not in html
    source = nbformat.read(NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
    lines = [
        line.strip()
        for cell in source.cells
        if cell.cell_type == "code"
        for line in cell.source.splitlines()
        if len(line.strip()) > 12 and not line.strip().startswith("#")
    ]
    assert lines
    shown = [line for line in lines if line in text]
    assert shown == []


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_html_shows_no_python_value_as_python_writes_it(
    runs: dict[str, Path], name: str
) -> None:
    """A figure is worded for the reader, never a dict, a datetime or None as Python
    prints them (the explore report printed its usage figures so)."""
    html = (runs[name] / f"{name}.html").read_text(encoding="utf-8")
    text = unescape(re.sub(r"<script.*?</script>|<style.*?</style>|<[^>]+>", "", html, flags=re.S))
    for python in ("datetime.datetime(", "Timestamp(", "{'", "': None", "NaN", "NaT"):
        assert python not in text, python


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_chart_axes_and_legends_are_worded(runs: dict[str, Path], name: str) -> None:
    """Axes and legends in words: "Failed logins", not `failed_logins`; "with a burst",
    not `True`."""
    html = (runs[name] / f"{name}.html").read_text(encoding="utf-8")
    specs = re.findall(
        r'<script type="application/json" data-chart[^>]*>(.*?)</script>', html, re.S
    )
    assert specs
    for spec in specs:
        layout = json.loads(spec).get("layout", {})
        titles = [
            (layout.get(part) or {}).get("title", {}).get("text") or ""
            for part in ("xaxis", "yaxis", "legend")
        ]
        assert not [t for t in titles if "_" in t], titles
        names = [str(trace.get("name", "")) for trace in json.loads(spec).get("data", [])]
        assert not {"True", "False"} & set(names), names


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_html_carries_its_charts(runs: dict[str, Path], name: str) -> None:
    html = (runs[name] / f"{name}.html").read_text(encoding="utf-8")
    assert 'class="plotly-graph-div"' in html
    assert "Plotly.newPlot" in html
    assert get_plotlyjs() not in html  # one shared copy in the reports folder: no network needed
    shared = json.loads((runs[name] / "run.json").read_text(encoding="utf-8"))["shared"]
    library = runs[name] / shared["plotly.js"]["path"]
    assert library.read_text(encoding="utf-8") == get_plotlyjs()
    assert f'<script src="{shared["plotly.js"]["path"]}"></script>' in html


def expected_findings(snapshot: Snapshot, prefixes: tuple[str, ...] | None) -> dict[str, Any]:
    result = run_check(snapshot, load_policy(), prefixes=list(prefixes) if prefixes else None)
    found = [
        f
        for f in result.findings
        if not prefixes
        or f.rule != "SEC-001"
        or "DEID" not in prefixes
        or f.key.startswith(IN_DATASETS)
    ]
    by_rule = Counter(f.rule for f in found)
    keys: dict[str, list[str]] = {r.code: [] for r in result.rules}
    for finding in found:
        keys[finding.rule].append(finding.key)
    return {
        "findings": len(found),
        "by_rule": {r.code: by_rule.get(r.code, 0) for r in result.rules},
        "keys": keys,
    }


@pytest.mark.parametrize(("name", "prefixes"), list(AUDITS.items()))
def test_audit_figures_equal_check(
    runs: dict[str, Path], snapshot: Snapshot, name: str, prefixes: tuple[str, ...]
) -> None:
    found = results(runs, name)
    expected = expected_findings(snapshot, prefixes)
    assert {k: found[k] for k in expected} == expected
    assert all(code.startswith(prefixes) for code in found["by_rule"])


def test_some_findings_are_reported(runs: dict[str, Path]) -> None:
    assert results(runs, "monthly_compliance_pack")["findings"] > 0


def test_retention_figures(runs: dict[str, Path], snapshot: Snapshot) -> None:
    found = results(runs, "retention_audit")
    overdue = found["by_rule"]["RET-001"] + found["by_rule"]["RET-002"]
    assert found["overdue_organisations"] == overdue == found["states"].get("overdue", 0)
    upcoming = build_schedule(snapshot, load_policy(), snapshot.manifest.exported_at, 30)
    assert found["due_next_30_days"] == [i.key for i in upcoming if i.kind == "retention"]


def test_subject_request_figures(runs: dict[str, Path], snapshot: Snapshot) -> None:
    found = results(runs, "subject_requests_audit")
    assert found["overdue_open"] == found["by_rule"]["SAR-001"]
    assert found["answered_late"] == found["by_rule"]["SAR-002"]
    deadlines = request_deadlines(snapshot, load_policy(), snapshot.manifest.exported_at)
    # open is the status: a withdrawn or refused request has no completed_at either
    assert found["open"] == int((deadlines["status"] == "open").sum())
    assert ((deadlines["status"] != "open") & deadlines["completed_date"].isna()).any()


def test_deidentification_verdicts_equal_the_assessment(
    runs: dict[str, Path], snapshot: Snapshot
) -> None:
    assessed = deid.assess_datasets(snapshot, load_policy())
    verdicts = deid.verdicts_frame(assessed, snapshot.credential_columns)
    expected = {r["dataset"]: {c: r[c] for c in deid.JUDGED} for r in verdicts.to_dict("records")}
    found = results(runs, "deidentification_audit")
    assert found["verdicts"] == expected
    assert found["datasets"] == len(verdicts)
    failing = sorted(name for name, checks in expected.items() if "fail" in checks.values())
    assert found["datasets_with_findings"] == failing  # datasets, not their columns
    # A dataset released with a credential column fails SEC-001 (the sample plants one).
    released = {t.removeprefix("deidentified/") for t, _ in snapshot.credential_columns}
    released -= {t for t, _ in snapshot.credential_columns}  # the platform's own tables
    assert released
    assert {n for n, checks in found["verdicts"].items() if checks["SEC-001"] == "fail"} == released
    assert released <= set(failing)
    assert len(found["keys"]["SEC-001"]) == sum(
        t.startswith("deidentified/") for t, _ in snapshot.credential_columns
    )


def test_access_figures_equal_the_library(runs: dict[str, Path], snapshot: Snapshot) -> None:
    policy = load_policy()
    found = results(runs, "access_review")
    assert found["burst_windows"] == len(access.burst_windows(snapshot, policy))
    late = access.logins_after_closure_or_deletion(snapshot, policy)
    assert found["logins_after_closure_or_deletion"] == len(late)
    assert found["views_outside_organisation"] == len(
        access.views_outside_organisation(snapshot, policy)
    )


def test_the_pack_sums_up_every_rule(runs: dict[str, Path], snapshot: Snapshot) -> None:
    found = results(runs, "monthly_compliance_pack")
    expected = expected_findings(snapshot, None)
    assert {k: found[k] for k in expected} == expected
    assert sum(f["findings"] for f in found["families"]) == expected["findings"]
    assert sum(f["rules"] for f in found["families"]) == len(expected["by_rule"])
    for section, notebook in [
        ("retention", "retention_audit"),
        ("subject_requests", "subject_requests_audit"),
        ("deidentification", "deidentification_audit"),
        ("access", "access_review"),
    ]:
        assert found["sections"][section] == results(runs, notebook)


def test_the_trend_is_the_recorded_runs_and_this_report(
    runs: dict[str, Path], snapshot: Snapshot
) -> None:
    """The ledger starts empty; the audits that --all ran before the pack recorded the
    run they judged (every rule, at the same as-of), which is the pack's own run: the
    trend shows it once, from the ledger."""
    pack = results(runs, "monthly_compliance_pack")
    by_run: dict[str, list[dict[str, Any]]] = {}
    for row in pack["trend"]:
        by_run.setdefault(row["run"], []).append(row)
    assert len(by_run) == 1
    (rows,) = by_run.values()
    assert len(rows) == 8  # eight families
    assert all(row["recorded"] for row in rows)
    assert sum(row["findings"] for row in rows) == pack["findings"]
    assert {row["snapshot_id"] for row in rows} == {snapshot.manifest.snapshot_id}
    assert pack["ledger"]["deletion_register"] == {"records": 0, "late": [], "keys": []}


def test_the_ledger_holds_the_judged_run_once_and_every_report(
    sample_reports: SampleReports, snapshot: Snapshot
) -> None:
    """Each report of the monthly set judged the same run: the first recorded it, the
    others found it there; every report run is in the audit trail."""
    with reading(open_ledger(str(sample_reports.ledger))) as connection:
        held = connection.execute(select(recorded_runs.c.run_id, recorded_runs.c.source)).all()
        actions = connection.execute(select(audit.c.action).order_by(audit.c.seq)).scalars()
        trail = list(actions)
    assert [tuple(row) for row in held] == [
        (run_identity(run_check(snapshot, load_policy())), "report")
    ]
    reports = list(sample_reports.out.glob("*/*/run.json"))
    assert trail == ["run_recorded"] + ["report_run"] * len(reports)


def test_usage_figures_equal_the_usage_command(runs: dict[str, Path], snapshot: Snapshot) -> None:
    """For the report's product and period, as the Usage page counts them: to the start
    of the export's UTC day, as the analyst's `as_of` always is."""
    document = results(runs, "usage_report")
    found = document["headline"]
    assert (document["product"], document["days"]) == (None, 90)  # the notebook's defaults
    day_start = start_of_utc_day(snapshot.manifest.exported_at)
    expected = usage.headline_figures(snapshot, day_start, days=90)
    assert expected != usage.headline_figures(snapshot, day_start)  # not the 30 days
    min_cell = load_policy().deidentification.min_cell
    for name in (
        "users",
        "active_users_30d",
        "logins_30d",
        "avg_users_per_active_org",
        "organisations",
        "dau",
        "wau",
    ):
        if found[name] == f"<{min_cell}":
            assert 0 < expected[name] < min_cell
        else:
            assert found[name] == expected[name], name
    assert found["users"] == expected["users"]  # the sample has many users: never suppressed


def test_the_usage_report_counts_to_the_start_of_the_day_asked_for(
    runs: dict[str, Path], snapshot: Snapshot
) -> None:
    """As the app's analyst role: two runs a second apart in a day are the same report,
    never one person's login apart (the run here is at the export time, 02:00 UTC)."""
    html = (runs["usage_report"] / "usage_report.html").read_text(encoding="utf-8")
    day_start = format_utc(start_of_utc_day(snapshot.manifest.exported_at))
    assert day_start != snapshot.manifest.exported_at_iso
    assert f"As of: <strong>{day_start}</strong>" in html  # the notebook's own header
    # and the title, every printed page's header and the run's record say the same
    assert f"as of {day_start}</title>" in html
    assert f"As of {day_start} ·" in html
    assert f"as of {snapshot.manifest.exported_at_iso}".lower() not in html.lower()
    assert record(runs, "usage_report")["as_of"] == day_start


def test_the_usage_report_words_its_headline_as_the_command_does(
    runs: dict[str, Path],
) -> None:
    html = (runs["usage_report"] / "usage_report.html").read_text(encoding="utf-8")
    text = unescape(re.sub(r"<[^>]+>", "", html))
    found = results(runs, "usage_report")["headline"]
    for status, count in found["organisations"].items():
        shown = count if isinstance(count, str) else f"{count:,}"
        assert f"Organisations: {status}: {shown}" in text
    assert f"Users (not deleted): {found['users']:,}" in text
    assert "Stickiness (day / 30 days)" in text
    assert f"Active users, last 90 days: {found['active_users_30d']:,}" in text
    assert "{'" not in text  # no figure printed as a Python dict
    assert "avg users per active org" not in text.lower()  # names in words, not keys


def test_explore_figures_equal_check(runs: dict[str, Path], snapshot: Snapshot) -> None:
    found = results(runs, "explore")
    assert found["by_rule"] == run_check(snapshot, load_policy()).by_rule
    assert found["rows_loaded"] == snapshot.rows_loaded


def identifiers(snapshot: Snapshot) -> dict[str, set[str]]:
    """Every email, name, telephone, user id and IP address the snapshot holds."""
    cursor = snapshot.cursor()
    try:

        def column(sql: str) -> set[str]:
            return {str(r[0]).strip() for r in cursor.execute(sql).fetchall() if r[0]}

        return {
            "email": column(
                "SELECT email FROM users UNION SELECT requester_email FROM subject_requests"
            ),
            "name": column("SELECT name FROM users"),
            "telephone": column("SELECT telephone FROM users"),
            "user_id": column(
                "SELECT user_id FROM users UNION SELECT user_id FROM logins "
                "UNION SELECT user_id FROM usage_events"
            ),
            "ip": column("SELECT ip FROM logins"),
        }
    finally:
        cursor.close()


def report_text(folder: Path, name: str) -> dict[str, str]:
    """The HTML and everything the executed notebook holds, without plotly.js (the same
    library code in every report, not data), case-folded."""
    library = get_plotlyjs()
    notebook = nbformat.read(folder / f"{name}.ipynb", as_version=4)
    parts = [json.dumps(notebook.metadata)]
    for cell in notebook.cells:
        parts.append(cell.source)
        for output in cell.get("outputs", []):
            parts += [str(output.get("text", ""))]
            parts += [str(v) for v in output.get("data", {}).values()]
    html = (folder / f"{name}.html").read_text(encoding="utf-8")
    return {
        "html": html.replace(library, "").casefold(),
        "ipynb": "\n".join(parts).replace(library, "").casefold(),
    }


def test_the_usage_report_holds_no_identifier(runs: dict[str, Path], snapshot: Snapshot) -> None:
    held = {kind: {v.casefold() for v in values} for kind, values in identifiers(snapshot).items()}
    assert all(held[kind] for kind in ("email", "name", "user_id", "ip"))
    for where, text in report_text(runs["usage_report"], "usage_report").items():
        assert len(text) > 10_000
        tokens = set(re.findall(r"[\w.@+:-]+", text))
        tokens |= {t.strip(".:-") for t in tokens}
        leaked = [kind for kind in ("user_id", "ip") for value in held[kind] if value in tokens]
        leaked += [
            kind for kind in ("email", "name", "telephone") for value in held[kind] if value in text
        ]
        assert leaked == [], f"the usage report's {where} holds {Counter(leaked)}"


def test_the_identifier_scan_finds_what_it_looks_for(
    runs: dict[str, Path], snapshot: Snapshot
) -> None:
    held = identifiers(snapshot)
    text = report_text(runs["monthly_compliance_pack"], "monthly_compliance_pack")["ipynb"]
    tokens = set(re.findall(r"[\w.@+:-]+", text))
    assert any(v.casefold() in tokens for v in held["user_id"])  # the DPO's pack names users


@pytest.mark.browser
def test_the_charts_draw_offline_in_a_browser(runs: dict[str, Path], browser: Any) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.route("http*://**", lambda route: route.abort())  # no network at all
    page.goto((runs["usage_report"] / "usage_report.html").as_uri())
    charts = page.locator(".plotly-graph-div")
    page.wait_for_function(
        "document.querySelectorAll('.plotly-graph-div .main-svg').length > 0",
        timeout=15_000,
    )
    assert charts.count() == 6
    assert page.locator(".plotly-graph-div .main-svg").count() >= charts.count()
    assert errors == []
