"""The sections of the audit reports: tables, charts and headline figures.

Each audit notebook shows one section; the monthly compliance pack shows them
all, so a figure can never differ between the two. Every section is built from
library calls (the rules' findings and the domain modules), never from SQL of
its own. `figures` holds what `results.json` records; `highlights` are the lines of
the summary each report opens with (totals, what is overdue; see summary).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from insight_workbench import access_monitoring as access
from insight_workbench import charts
from insight_workbench.deadlines.retention_table import retention_status
from insight_workbench.deadlines.schedule import build_schedule
from insight_workbench.deidentification import assessment as deid
from insight_workbench.findings import SEVERITIES, Finding, plural
from insight_workbench.loading.schema import PERSONAL_DATA_TABLES
from insight_workbench.reports.results import ReportInputs
from insight_workbench.reports.tables import titled_table
from insight_workbench.rules import FAMILIES, RULES, family_label, family_of, select_rules
from insight_workbench.rules.runner import CheckResult, run_check
from insight_workbench.subject_requests.request_table import request_deadlines


@dataclass
class Section:
    title: str
    intro: str
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    charts: list[go.Figure] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    highlights: list[tuple[str, Any]] = field(default_factory=list)


def show(section: Section, level: int = 2) -> None:
    """Display a section in a notebook: heading, intro, charts, then titled tables."""
    from IPython.display import HTML, Markdown, display

    display(Markdown(f"{'#' * level} {section.title}\n\n{section.intro}"))
    for figure in section.charts:
        figure.show()
    for caption, frame in section.tables:
        display(HTML(titled_table(caption, frame)))


def severity_highlights(findings: Sequence[Finding]) -> list[tuple[str, Any]]:
    """The findings total, then one line per severity."""
    counts = Counter(f.severity for f in findings)
    return [("Findings", len(findings))] + [
        (f"{severity.capitalize()} severity", counts.get(severity, 0)) for severity in SEVERITIES
    ]


def findings_frame(findings: Sequence[Finding]) -> pd.DataFrame:
    """One row per finding, its evidence spread into columns (counts, dates, no values)."""
    rows = [
        {
            "rule": f.rule,
            "key": f.key,
            "severity": f.severity,
            "due": f.due,
            "message": f.message,
            **{k: v for k, v in f.evidence.items() if not isinstance(v, (dict, list))},
        }
        for f in findings
    ]
    frame = pd.DataFrame(rows, columns=None if rows else ["rule", "key", "severity", "due"])
    # A finding counting rows held (RET-001..003) holds none of a table it does not name;
    # any other figure a finding lacks (days overdue, k) is a dash, not 0.
    counts_held = pd.Series([any(k in PERSONAL_DATA_TABLES for k in f.evidence) for f in findings])
    for column in frame.columns[5:]:
        values = [row[column] for row in rows if column in row]
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            frame[column] = frame[column].astype("Int64")
            if column in PERSONAL_DATA_TABLES:
                frame.loc[counts_held & frame[column].isna(), column] = 0
    return frame


def findings_figures(result: CheckResult) -> dict[str, Any]:
    """Findings count, per rule (every rule that ran, zero included), keys per rule."""
    by_rule = {rule.code: 0 for rule in result.rules} | result.by_rule
    keys: dict[str, list[str]] = {code: [] for code in by_rule}
    for finding in result.findings:
        keys[finding.rule].append(finding.key)
    return {"findings": len(result.findings), "by_rule": by_rule, "keys": keys}


def family_summary(result: CheckResult) -> pd.DataFrame:
    """One row per rule family: rules run, findings, and findings per severity."""
    rows = []
    for prefix, name in FAMILIES.items():
        rules = [r for r in result.rules if r.family == prefix]
        found = [f for f in result.findings if family_of(f.rule) == prefix]
        severities = Counter(f.severity for f in found)
        rows.append(
            {
                "family": name,
                "rules": len(rules),
                "findings": len(found),
                **{s: severities.get(s, 0) for s in SEVERITIES},
                "status": "action needed" if found else "clear",
            }
        )
    return pd.DataFrame(rows)


def _of(findings: Sequence[Finding], *codes: str) -> list[Finding]:
    return [f for f in findings if f.rule in codes]


def _check(
    inputs: ReportInputs, prefixes: str | list[str], whole: CheckResult | None
) -> CheckResult:
    """The findings of the rules whose codes start with `prefixes` (a family, say): taken
    from `whole` when it is a check of all those rules on the same snapshot, policy and
    `as_of` (the monthly pack checks once for all its sections), else found by running
    those rules."""
    chosen = [prefixes] if isinstance(prefixes, str) else prefixes
    rules = select_rules(sorted(RULES, key=lambda r: r.code), chosen)
    if (
        whole is None
        or whole.snapshot is not inputs.snapshot
        or whole.policy != inputs.policy
        or whole.as_of != inputs.as_of
        or not all(rule in whole.rules for rule in rules)
    ):
        return run_check(inputs.snapshot, inputs.policy, inputs.as_of, chosen)
    codes = {rule.code for rule in rules}
    findings = [f for f in whole.findings if f.rule in codes]
    return CheckResult(whole.snapshot, whole.policy, whole.as_of, rules, findings)


def retention(inputs: ReportInputs, whole: CheckResult | None = None) -> Section:
    result = _check(inputs, AUDIT_FAMILIES["retention"], whole)
    status = retention_status(inputs.snapshot, inputs.policy, inputs.as_of)
    judged = _of(result.findings, "RET-001", "RET-002")
    overdue = findings_frame(judged)
    upcoming = [
        item.as_dict()
        for item in build_schedule(inputs.snapshot, inputs.policy, inputs.as_of, within_days=30)
        if item.kind == "retention"
    ]
    section = Section(
        "Retention",
        f"Organisations whose users' data is held past the policy's limit ("
        f"{plural(inputs.policy.retention.closed_account_days, 'day')} after closure; "
        f"{plural(inputs.policy.retention.potential_customer_months, 'calendar month')} "
        "after a potential customer's last contact), what falls due in the next 30 days, "
        "erasure requests not yet effective, and personal data left without a user.",
        [
            ("Overdue organisations, rows still held per table (RET-001, RET-002)", overdue),
            (
                "Falls due in the next 30 days",
                pd.DataFrame(upcoming, columns=["kind", "key", "due", "message"]),
            ),
            (
                "Due dates of every closed and potential-customer organisation",
                status[[c for c in STATUS_COLUMNS if c in status.columns]],
            ),
            (
                "Erasure requests not effective (RET-003)",
                findings_frame(_of(result.findings, "RET-003")),
            ),
            (
                "Personal data without a user (RET-004)",
                findings_frame(_of(result.findings, "RET-004")),
            ),
        ],
    )
    if len(status):
        section.charts.append(
            charts.timeline(
                status,
                "due_at",
                "org_id",
                "state",
                "Retention due dates",
                hover=["rule", "rows_held"],
            )
        )
    # An organisation both closed and a potential customer may be found by both rules:
    # its rows are counted once.
    once = {f.key: f for f in judged}
    held = _held_rows(list(once.values()))
    overdue_orgs = len(once)
    per_org = status.drop_duplicates("org_id")  # soonest due first: its earlier deadline
    if len(held):
        section.charts.append(
            charts.bars(held, "key", "rows", "Rows still held by overdue organisations", "table")
        )
    section.highlights = [
        *severity_highlights(result.findings),
        ("Organisations overdue for deletion", overdue_orgs),
        ("Rows still held by them", int(held["rows"].sum()) if len(held) else 0),
        ("Erasure requests not effective", len(_of(result.findings, "RET-003"))),
        ("Falling due in the next 30 days", len(upcoming)),
    ]
    section.figures = {
        **findings_figures(result),
        "overdue_organisations": overdue_orgs,
        "rows_held_overdue": int(held["rows"].sum()) if len(held) else 0,
        "due_next_30_days": [item["key"] for item in upcoming],
        "states": {str(k): int(v) for k, v in per_org["state"].value_counts().items()},
    }
    return section


def _held_rows(findings: Sequence[Finding]) -> pd.DataFrame:
    rows = [
        {"key": f.key, "table": table, "rows": int(count)}
        for f in findings
        for table, count in f.evidence.items()
        if isinstance(count, int)
    ]
    return pd.DataFrame(rows, columns=["key", "table", "rows"])


# The due-date table shows the total rows held; the overdue table has them per table.
STATUS_COLUMNS = [
    "rule",
    "org_id",
    "name",
    "product",
    "status",
    "reference",
    "reference_at",
    "due_at",
    "state",
    "days_overdue",
    "days_left",
    "rows_held",
]
# Each request's deadline arithmetic, in two tables narrow enough for a printed page:
# when its clock ran, then how the due date follows.
CLOCK_COLUMNS = [
    "request_id",
    "type",
    "status",
    "received_date",
    "clock_start_date",
    "clarification_requested_date",
    "clock_resumed_date",
    "paused_days",
    "paused",
]
DUE_COLUMNS = [
    "request_id",
    "extended",
    "period_months",
    "nominal_date",
    "period_end",
    "clamped",
    "clock_end",
    "moved_because",
    "due_date",
    "completed_date",
    "days_left",
    "days_late",
    "finding",
]
SUMMARY_COLUMNS = [
    "request_id",
    "type",
    "status",
    "received_date",
    "due_date",
    "completed_date",
    "days_left",
    "days_late",
    "finding",
]
REQUEST_COLUMNS = list(dict.fromkeys(CLOCK_COLUMNS + DUE_COLUMNS))


def _columns(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return frame[[c for c in columns if c in frame.columns]]


def subject_requests(inputs: ReportInputs, whole: CheckResult | None = None) -> Section:
    result = _check(inputs, AUDIT_FAMILIES["subject_requests"], whole)
    deadlines = request_deadlines(inputs.snapshot, inputs.policy, inputs.as_of)
    deadlines = deadlines[[c for c in REQUEST_COLUMNS if c in deadlines.columns]]
    open_ = deadlines[deadlines["status"] == "open"]  # not withdrawn or refused ones
    rules = inputs.policy.subject_requests
    section = Section(
        "Subject requests",
        f"Requests are due {plural(rules.response_months, 'calendar month')} after the "
        f"{rules.local_date} they were received (or the clock started, once the identity "
        "proof or fee arrived), clamped to the month's last day, plus the days the clock "
        "was stopped waiting for a clarification, moved past weekends and bank holidays "
        f"in {rules.holiday_place}; {plural(rules.extended_months, 'calendar month')} "
        "when extended. A request still waiting for its clarification is paused and has "
        "no due date. Each step is shown: nominal date, period end, days paused, what "
        "moved it, due date.",
        [
            ("Open requests", _columns(open_, SUMMARY_COLUMNS)),
            (
                "Paused, waiting for a clarification",
                _columns(deadlines[deadlines["paused"]], CLOCK_COLUMNS),
            ),
            (
                "Open and overdue (SAR-001)",
                _columns(deadlines[deadlines["finding"] == "SAR-001"], SUMMARY_COLUMNS),
            ),
            (
                "Answered late (SAR-002)",
                _columns(deadlines[deadlines["finding"] == "SAR-002"], SUMMARY_COLUMNS),
            ),
            (
                "Every request's clock: received, started, paused",
                _columns(deadlines, CLOCK_COLUMNS),
            ),
            ("Every request's due date, step by step", _columns(deadlines, DUE_COLUMNS)),
        ],
    )
    late = deadlines[deadlines["finding"].notna()]
    if len(late):
        section.charts.append(
            charts.bars(late, "request_id", "days_late", "Days late per request", colour="finding")
        )
    section.highlights = [
        *severity_highlights(result.findings),
        ("Open requests overdue", int((deadlines["finding"] == "SAR-001").sum())),
        ("Answered late", int((deadlines["finding"] == "SAR-002").sum())),
        ("Open requests", len(open_)),
        ("Paused, waiting for a clarification", int(deadlines["paused"].sum())),
    ]
    section.figures = {
        **findings_figures(result),
        "open": len(open_),
        "paused": int(deadlines["paused"].sum()),
        "overdue_open": int((deadlines["finding"] == "SAR-001").sum()),
        "answered_late": int((deadlines["finding"] == "SAR-002").sum()),
    }
    return section


def deidentification(inputs: ReportInputs, whole: CheckResult | None = None) -> Section:
    """The DEID checks of every dataset, with SEC-001 where it is about a dataset: a
    credential column released in one fails it, whatever the DEID checks say."""
    checked = _check(inputs, [AUDIT_FAMILIES["deidentification"], deid.CREDENTIALS], whole)
    found = [f for f in checked.findings if audited("deidentification", f)]
    result = replace(checked, findings=found)
    released = [f for f in found if f.rule == deid.CREDENTIALS]
    assessments = deid.assess_datasets(inputs.snapshot, inputs.policy, inputs.as_of)
    verdicts = deid.verdicts_frame(assessments, inputs.snapshot.credential_columns)
    sizes = deid.class_sizes_frame(assessments)
    failing = sorted(verdicts.loc[(verdicts[list(deid.JUDGED)] == "fail").any(axis=1), "dataset"])
    section = Section(
        "De-identification",
        f"Every dataset under `deidentified/`, each check's verdict (SEC-001: a credential "
        f"column released in it), and the sizes of the equivalence classes "
        f"(k = {inputs.policy.deidentification.k}); values are never shown.",
        [
            # two tables: one would not fit a printed page
            ("Verdict per dataset and check", verdicts[deid.VERDICT_COLUMNS]),
            ("How each dataset is judged", verdicts[deid.JUDGING_COLUMNS]),
            ("Equivalence-class sizes", sizes),
            ("Findings", findings_frame([f for f in found if f.rule != deid.CREDENTIALS])),
            ("Credential columns in released datasets (SEC-001)", findings_frame(released)),
        ],
    )
    if len(sizes):
        figure = charts.bars(
            sizes, "class_size", "classes", "Equivalence classes by size", colour="dataset"
        )
        figure.update_layout(barmode="group")
        figure.add_vline(x=inputs.policy.deidentification.k - 0.5, line_dash="dash")
        section.charts.append(figure)
    section.highlights = [
        *severity_highlights(result.findings),
        ("Datasets assessed", len(verdicts)),
        ("Datasets with a finding", len(failing)),
    ]
    section.figures = {
        **findings_figures(result),
        "datasets": len(verdicts),
        "datasets_with_findings": failing,
        "verdicts": {
            row["dataset"]: {c: row[c] for c in deid.JUDGED} for row in verdicts.to_dict("records")
        },
    }
    return section


def access_review(inputs: ReportInputs, whole: CheckResult | None = None) -> Section:
    result = _check(inputs, AUDIT_FAMILIES["access"], whole)
    snapshot, policy, as_of = inputs.snapshot, inputs.policy, inputs.as_of
    bursts = access.burst_windows(snapshot, policy, as_of)
    late = access.late_logins(result.findings)  # ACC-001 and ACC-002, already found
    views = access.views_outside_organisation(snapshot, policy, as_of)
    failed = access.failed_logins_over_time(snapshot, policy, "day", as_of, windows=bursts)
    section = Section(
        "Access",
        f"Failed-login bursts (at least {policy.access.failed_logins_per_account} per account "
        f"or {policy.access.failed_logins_per_ip} per IP within "
        f"{policy.access.window_minutes} minutes), logins after closure or deletion, and "
        "user-list views by anyone not a group admin of the organisation listed.",
        [
            ("Failed-login bursts (ACC-003, ACC-004)", bursts),
            ("Logins after closure or deletion (ACC-001, ACC-002)", late),
            ("User-list views by anyone not a group admin of the organisation (ACC-005)", views),
        ],
    )
    if len(failed):
        title = "Failed logins per day (UTC), days touched by a burst highlighted"
        section.charts.append(charts.failed_logins_per_day(failed, title))
    section.highlights = [
        *severity_highlights(result.findings),
        ("Failed-login bursts", len(bursts)),
        ("Logins after closure or deletion", len(late)),
        ("User-list views by non-admins", len(views)),
    ]
    section.figures = {
        **findings_figures(result),
        "burst_windows": len(bursts),
        "logins_after_closure_or_deletion": len(late),
        "views_outside_organisation": len(views),
        "failed_logins": int(failed["failed_logins"].sum()) if len(failed) else 0,
    }
    return section


AUDITS = {
    "retention": retention,
    "subject_requests": subject_requests,
    "deidentification": deidentification,
    "access": access_review,
}
# The rule family each audit section reports on; `other_findings` takes the rest.
AUDIT_FAMILIES = {
    "retention": "RET",
    "subject_requests": "SAR",
    "deidentification": "DEID",
    "access": "ACC",
}


def family_counts(result: CheckResult) -> pd.DataFrame:
    """Findings per family and severity, for the chart of the compliance pack."""
    rows = [(family_label(f.rule), f.severity) for f in result.findings]
    frame = pd.DataFrame(rows, columns=["family", "severity"])
    return frame.groupby(["family", "severity"]).size().reset_index(name="findings")


def pack_highlights(result: CheckResult, audits: dict[str, Section]) -> list[tuple[str, Any]]:
    """The compliance pack's summary: every finding by severity, then what each audit
    reports as overdue or late (its lines after the severity ones)."""
    shown = len(severity_highlights([]))
    return [
        *severity_highlights(result.findings),
        *(
            (f"{section.title}: {what[:1].lower()}{what[1:]}", value)
            for section in audits.values()
            for what, value in section.highlights[shown:]
        ),
    ]


def audited(name: str, finding: Finding) -> bool:
    """Whether the audit section `name` reports `finding`: one of its family's, and in
    the de-identification audit SEC-001 of a released dataset too (the monthly pack
    shows that one again with the other families' findings)."""
    if finding.rule.startswith(AUDIT_FAMILIES[name]):
        return True
    return name == "deidentification" and (
        finding.rule == deid.CREDENTIALS and finding.key.startswith(deid.RELEASED_COLUMN)
    )


def other_families() -> list[str]:
    """The rule families without an audit section of their own, in registry order."""
    return [code for code in FAMILIES if code not in AUDIT_FAMILIES.values()]


def other_findings(result: CheckResult) -> Section:
    """The findings of every family without an audit section of its own."""
    families = other_families()
    found = [f for f in result.findings if family_of(f.rule) in families]
    labels = [FAMILIES[code] for code in families] or ["Other families"]
    named = ", ".join([labels[0], *(label.lower() for label in labels[1:-1])])
    title = f"{named} and {labels[-1].lower()}" if len(labels) > 1 else named
    return Section(
        title,
        "Findings of the rule families without an audit section of their own ("
        + ", ".join(families)
        + "): for example marketing after an opt-out, credential columns in the export, "
        "processors without an assessment or overdue for review, and quarantined rows.",
        [
            (
                f"{FAMILIES[code]} findings ({code})",
                findings_frame([f for f in found if family_of(f.rule) == code]),
            )
            for code in families
        ],
        figures={"findings": len(found)},
        highlights=severity_highlights(found),
    )
