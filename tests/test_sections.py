"""Report sections: every rule family of the registry is named and shown in the
monthly compliance pack, none left out because a list was not updated."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import pytest
from clock_snapshot import _org, _user

from insight_workbench import charts
from insight_workbench.findings import Finding
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.policy import load_policy
from insight_workbench.reports import sections
from insight_workbench.reports.results import open_inputs
from insight_workbench.reports.sections import findings_frame
from insight_workbench.reports.tables import BLANK, cell_text
from insight_workbench.rules import FAMILIES, RULES, Rule
from insight_workbench.rules.runner import CheckResult
from insight_workbench.testing import build_snapshot

PACK = Path(__file__).resolve().parent.parent / "notebooks" / "monthly_compliance_pack.ipynb"
DOC = "What it checks:\nWhy it matters:\nExample finding:\nHow to fix:\n"


@pytest.fixture(scope="module")
def one_finding_per_rule(sample: Snapshot) -> CheckResult:
    findings = [Finding(r.code, f"test:{r.code}", r.severity, "found", None) for r in RULES]
    return CheckResult(sample, load_policy(), sample.manifest.exported_at, list(RULES), findings)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_every_registered_family_has_a_label(rule: Rule) -> None:
    assert FAMILIES.get(rule.family)


def test_a_rule_of_an_unlabelled_family_is_refused() -> None:
    with pytest.raises(
        ValueError,
        match=r"^XYZ-001: family XYZ has no label in FAMILIES \(insight_workbench/rules/base.py\)",
    ):
        Rule("XYZ-001", "xyz.example", "low", "clause", DOC, check=lambda _ctx: [])


def test_each_audit_section_reports_one_family() -> None:
    assert set(sections.AUDIT_FAMILIES) == set(sections.AUDITS)
    assert set(sections.AUDIT_FAMILIES.values()) <= set(FAMILIES)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_every_rule_appears_in_one_section_of_the_pack(
    rule: Rule, one_finding_per_rule: CheckResult
) -> None:
    others = sections.other_findings(one_finding_per_rule)
    shown_in_others = {code for _, frame in others.tables for code in frame["rule"]}
    audited = rule.family in sections.AUDIT_FAMILIES.values()
    assert audited != (rule.code in shown_in_others)


def test_the_summary_and_the_chart_count_every_family(
    one_finding_per_rule: CheckResult,
) -> None:
    summary = sections.family_summary(one_finding_per_rule)
    labels = {FAMILIES[r.family] for r in RULES}
    assert set(summary["family"]) == labels
    assert summary["rules"].sum() == summary["findings"].sum() == len(RULES)
    counts = sections.family_counts(one_finding_per_rule)
    assert set(counts["family"]) == labels
    assert counts["findings"].sum() == len(RULES)


def test_other_findings_is_titled_from_the_labels(one_finding_per_rule: CheckResult) -> None:
    others = sections.other_findings(one_finding_per_rule)
    assert others.title == "Communications, security, third parties and data quality"
    # one table per family: each has its own evidence columns, narrow enough to print
    assert [title for title, _ in others.tables] == [
        f"{FAMILIES[code]} findings ({code})" for code in sections.other_families()
    ]


def test_the_pack_summary_names_each_audit_s_overdue_lines(
    one_finding_per_rule: CheckResult,
) -> None:
    audits = {
        "retention": sections.Section(
            "Retention",
            "",
            highlights=[
                *sections.severity_highlights([]),
                ("Organisations overdue for deletion", 4),
            ],
        )
    }
    lines = dict(sections.pack_highlights(one_finding_per_rule, audits))
    assert lines["Findings"] == len(RULES)
    assert lines["Retention: organisations overdue for deletion"] == 4
    assert sum(v for k, v in lines.items() if k.endswith("severity")) == len(RULES)


def test_the_monthly_pack_shows_every_audit_and_the_other_findings() -> None:
    code = "\n".join(c.source for c in nbformat.read(PACK, as_version=4).cells)
    assert "sections.AUDITS.items()" in code
    assert "sections.other_findings(result)" in code


def test_the_audits_take_their_findings_from_one_shared_check(sample: Snapshot) -> None:
    from datetime import timedelta

    from insight_workbench.reports.results import ReportInputs
    from insight_workbench.rules.runner import run_check

    policy = load_policy()
    inputs = ReportInputs(sample, policy, sample.manifest.exported_at, None)
    whole = run_check(sample, policy, inputs.as_of)
    assert whole.findings
    for name, build in sections.AUDITS.items():
        alone, shared = build(inputs), build(inputs, whole)
        assert shared.figures == alone.figures, name
        assert shared.figures["findings"] == sum(
            1 for f in whole.findings if sections.audited(name, f)
        )
    # A check at another moment is not this report's: the section checks for itself.
    later = run_check(sample, policy, inputs.as_of + timedelta(days=400))
    shared = sections.retention(inputs, later)
    assert shared.figures == sections.retention(inputs).figures
    assert (
        shared.figures
        != sections.retention(ReportInputs(sample, policy, later.as_of, None), later).figures
    )


def test_the_access_audit_lists_the_logins_and_bursts_found_in_the_log(
    sample: Snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its late logins come from the check's findings, its chart's bursts from its own
    table: the same as asking the log, with the shared check or without, and the log is
    neither scanned again for late logins nor the bursts found twice."""
    from insight_workbench import access_monitoring as access
    from insight_workbench.reports.results import ReportInputs
    from insight_workbench.rules.runner import run_check

    policy = load_policy()
    inputs = ReportInputs(sample, policy, sample.manifest.exported_at, None)
    late = access.logins_after_closure_or_deletion(sample, policy, inputs.as_of)
    failed = access.failed_logins_over_time(sample, policy, "day", inputs.as_of)
    assert not late.empty
    assert failed["bursts"].sum()
    whole = run_check(sample, policy, inputs.as_of)
    calls: list[str] = []
    for name in ("logins_after_closure", "logins_after_deletion", "burst_windows"):
        original = getattr(access, name)
        monkeypatch.setattr(
            access, name, lambda *a, _f=original, _n=name: calls.append(_n) or _f(*a)
        )
    shared = sections.access_review(inputs, whole)
    assert calls == ["burst_windows"]
    for section in (shared, sections.access_review(inputs)):
        tables = dict(section.tables)
        pd.testing.assert_frame_equal(
            tables["Logins after closure or deletion (ACC-001, ACC-002)"], late
        )
        [chart] = section.charts
        assert section.figures["failed_logins"] == int(failed["failed_logins"].sum())
        expected = charts.failed_logins_per_day(failed, chart.layout.title.text)
        assert chart.to_json() == expected.to_json()


def test_an_organisation_found_by_both_retention_rules_counts_once(tmp_path: Path) -> None:
    """A trial organisation with a closed_at is judged by RET-001 and RET-002: the
    retention audit counts it, and its rows held, once."""
    from insight_workbench.loading.snapshot import load_snapshot
    from insight_workbench.reports.results import ReportInputs
    from insight_workbench.testing import build_snapshot

    org = {"org_id": "O1", "name": "Org", "product": "local_insight", "status": "trial"}
    dates = {"created_at": "2025-01-01T00:00:00Z", "last_contact_at": "2025-06-01T00:00:00Z"}
    user = {"user_id": "U1", "org_id": "O1", "name": "Ann", "email": "ann@example.org"}
    tables = {
        "organisations": [org | dates | {"closed_at": "2025-07-01T00:00:00Z"}],
        "users": [user | {"role": "user", "created_at": "2025-01-01T00:00:00Z"}],
    }
    snapshot = load_snapshot(build_snapshot(tmp_path / "s", tables))
    try:
        inputs = ReportInputs(snapshot, load_policy(), snapshot.manifest.exported_at, None)
        figures = sections.retention(inputs).figures
    finally:
        snapshot.con.close()
    assert figures["by_rule"] == {"RET-001": 1, "RET-002": 1, "RET-003": 0, "RET-004": 0}
    assert figures["overdue_organisations"] == 1
    assert figures["rows_held_overdue"] == 1  # the one users row, not twice
    assert figures["states"] == {"overdue": 1}


def test_a_figure_a_finding_does_not_have_is_a_dash_and_rows_not_held_are_zero() -> None:
    found = [
        Finding("TPP-001", "processor:P3", "high", "Not assessed", None, {}),
        Finding("TPP-002", "processor:P8", "medium", "Review overdue", None, {"days_overdue": 545}),
        Finding("RET-001", "org:O1", "high", "Held", None, {"users": 2, "logins": 7}),
        Finding("RET-001", "org:O2", "high", "Held", None, {"users": 1}),
    ]
    frame = findings_frame(found)
    cells = [[cell_text(v) for v in frame[c]] for c in ("days_overdue", "users", "logins")]
    assert cells == [
        [BLANK, "545", BLANK, BLANK],
        [BLANK, BLANK, "2", "1"],
        [BLANK, BLANK, "7", "0"],
    ]


@pytest.mark.parametrize(
    ("policy_text", "retention_says", "requests_say"),
    [
        (
            "",
            "(28 days after closure; 3 calendar months after",
            [
                "due 1 calendar month after the London date",
                "bank holidays in England and Wales; 3 calendar months when extended",
            ],
        ),
        (
            "[retention]\nclosed_account_days = 1\npotential_customer_months = 12\n"
            "[subject_requests]\nresponse_months = 2\nextended_months = 1\n"
            "holidays = 'scotland'\ntimezone = 'America/New_York'\n",
            "(1 day after closure; 12 calendar months after",
            [
                "due 2 calendar months after the date in America/New_York",
                "bank holidays in Scotland; 1 calendar month when extended",
            ],
        ),
    ],
)
def test_the_audits_state_the_policy_they_judge_by(
    sample: Snapshot, tmp_path: Path, policy_text: str, retention_says: str, requests_say: list
) -> None:
    from insight_workbench.reports.results import ReportInputs

    (tmp_path / "policy.toml").write_text(policy_text)
    policy = load_policy(tmp_path / "policy.toml")
    inputs = ReportInputs(sample, policy, sample.manifest.exported_at, None)
    assert retention_says in sections.retention(inputs).intro
    intro = sections.subject_requests(inputs).intro
    assert all(said in intro for said in requests_say), intro


def test_the_de_identification_audit_judges_credentials_in_datasets(tmp_path: Path) -> None:
    """A dataset released with a credential column fails SEC-001 in the audit's verdicts,
    names the column, and counts as a dataset with a finding, as on the app's page; a
    credential column of a platform table is not the audit's. A dataset's name may hold
    ':', so the datasets found are named whole, never cut at it."""
    rows = [{"month": "2026-01", "region": "North", "n": "40"}]
    folder = build_snapshot(
        tmp_path / "s",
        {
            "organisations": [_org("O1", "active")],
            "users": [{**_user("U1", "O1"), "password_hash": "x"}],
        },
        deidentified={
            "keys:2026": ([{**row, "api_token": "t"} for row in rows], None),
            "clean": (rows, None),
            "survey:a": ([{"email": "ann@example.org", "score": "4"}] * 12, None),
        },
        extra_columns={"users": ["password_hash"]},
    )
    section = sections.deidentification(open_inputs(folder))
    verdicts = section.figures["verdicts"]
    assert {name: v["SEC-001"] for name, v in verdicts.items()} == {
        "keys:2026": "fail",
        "clean": "pass",
        "survey:a": "pass",
    }
    assert verdicts["survey:a"]["DEID-001"] == "fail"
    assert section.figures["datasets_with_findings"] == ["keys:2026", "survey:a"]
    assert section.figures["keys"]["SEC-001"] == ["column:deidentified/keys:2026:api_token"]
    [released] = [frame for title, frame in section.tables if "(SEC-001)" in title]
    assert released["key"].tolist() == ["column:deidentified/keys:2026:api_token"]
    [table] = [frame for title, frame in section.tables if title.startswith("Verdict")]
    assert "SEC-001" in table.columns
    named = table.set_index("dataset")["credential_columns"].to_dict()
    assert named == {"keys:2026": "api_token", "clean": "", "survey:a": ""}
