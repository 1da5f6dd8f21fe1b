"""Overview page: findings by family and severity, overdue, due soon, load status."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from apphelpers import frame_with, leaked, linked_keys, metrics, plotly_specs, rendered_text

from insight_workbench.dashboard import rule_words
from insight_workbench.deadlines.retention_table import retention_status
from insight_workbench.deadlines.schedule import build_schedule
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules import REGISTRY
from insight_workbench.rules.runner import run_check
from insight_workbench.timeutil import start_of_utc_day

LONDON = ZoneInfo("Europe/London")
PAGE = "app_pages/overview.py"


def expected_figures(sample: Snapshot, role: str) -> dict[str, int]:
    """The DPO's figures at the export time; the analyst's at the start of its day."""
    policy = load_policy()
    at = sample.manifest.exported_at
    if role == "analyst":
        at = start_of_utc_day(at)
    findings = run_check(sample, policy, as_of=at).findings
    now = due_now(sample, at)
    return {
        "Findings": len(findings),
        "High severity": sum(f.severity == "high" for f in findings),
        **{
            f"Due within {d} days": len(now)
            + sum(i.key not in now for i in build_schedule(sample, policy, at, within_days=d))
            for d in (7, 30, 90)
        },
    }


def due_now(sample: Snapshot, at: datetime) -> list[str]:
    """Organisations due at the as-of instant itself: neither a finding (overdue is after
    it) nor a schedule item (due after it), yet shown as due now."""
    status = retention_status(sample, load_policy(), at)
    return [f"org:{o}" for o in status.loc[status["state"] == "due now", "org_id"]]


@pytest.mark.parametrize("role", ["dpo", "analyst"])
def test_headline_metrics_are_the_library_figures(open_app, sample, role) -> None:
    app = open_app(role, PAGE)
    assert not app.exception
    assert not app.error
    expected = expected_figures(sample, role)
    shown = metrics(app)
    headline = {name: value for name, value in shown.items() if name in expected}
    assert headline == {name: str(value) for name, value in expected.items()}
    # Besides the headline, only the DPO's changes since the previous recorded run.
    changes = {"New", "Reopened", "Resolved", "Excepted"}
    assert set(shown) - set(expected) <= (changes if role == "dpo" else set())


def test_dpo_sees_what_is_overdue_and_due(open_app, sample: Snapshot) -> None:
    app = open_app("dpo", PAGE)
    findings = run_check(sample, load_policy()).findings
    outstanding = {f.key for f in findings if f.due and f.rule != "SAR-002"}
    reviews = {f.key for f in findings if f.rule == "TPP-002"}  # due, though not dated
    assert outstanding
    assert reviews
    outstanding |= reviews
    assert set(linked_keys(frame_with(app, "days_overdue")["key"])) == outstanding
    loads = frame_with(app, "rows_loaded").set_index("table")
    for name, load in sample.loads.items():
        assert loads.loc[name, "rows_loaded"] == load.rows_loaded
        assert loads.loc[name, "rows_rejected"] == load.rows_rejected


def test_days_overdue_count_in_the_policy_s_clock(open_app, sample: Snapshot, tmp_path) -> None:
    """A review's days overdue are counted as the rule counts them: on the calendar of
    `[subject_requests] timezone` (New York's day is behind London's at 02:00 UTC)."""
    policy = tmp_path / "policy.toml"
    policy.write_text('[subject_requests]\ntimezone = "America/New_York"\n', encoding="utf-8")
    app = open_app("dpo", PAGE, env={"INSIGHT_POLICY": str(policy)})
    findings = run_check(sample, load_policy(policy)).findings
    reviews = {f.key: f.evidence["days_overdue"] for f in findings if f.rule == "TPP-002"}
    assert reviews
    shown = frame_with(app, "days_overdue")
    shown = shown.assign(key=linked_keys(shown["key"])).set_index("key")["days_overdue"]
    assert {key: shown[key] for key in reviews} == reviews


def test_horizon_changes_the_items_shown(open_app, sample: Snapshot) -> None:
    app = open_app("dpo", PAGE)
    at = sample.manifest.exported_at
    sizes = {}
    for days in (7, 90):
        app.segmented_control(key="horizon").set_value(days).run()
        assert not app.exception
        items = build_schedule(sample, load_policy(), at, within_days=days)
        shown = frame_with(app, "days_left")
        now = due_now(sample, at)
        assert now  # the sample plants organisations due exactly at the export
        assert linked_keys(shown["key"]) == now + [i.key for i in items if i.key not in now]
        assert list(shown["days_left"][: len(now)]) == [0] * len(now)
        # Due now is said in words, and the counts above say they hold it.
        assert list(shown["state"]) == ["due now"] * len(now) + ["upcoming"] * (
            len(shown) - len(now)
        )
        said = [c.value for c in app.caption if "due now (at the as-of moment itself)" in c.value]
        assert said
        assert said[0].startswith(f"{len(now)} organisation")
        sizes[days] = len(shown)
    assert sizes[7] < sizes[90]


def test_days_left_are_whole_days_rounded_down_as_on_the_retention_page(open_app) -> None:
    """At a time of day the dues are not whole days away: 2.9 days left is 2 on both
    pages (the Overview used to say 3)."""
    query = {"as_of": "2026-11-28T09:17:00Z"}
    overview = open_app("dpo", PAGE, query=query)
    overview.segmented_control(key="horizon").set_value(90).run()
    soon = frame_with(overview, "days_left")
    soon = soon.assign(key=linked_keys(soon["key"])).set_index("key")
    retention = frame_with(open_app("dpo", "app_pages/retention.py", query=query), "days_left")
    expected = {
        f"org:{org}": int(days)
        for org, days in zip(retention["org_id"], retention["days_left"], strict=True)
        if not pd.isna(days)
    }
    shown = {key: int(soon.loc[key, "days_left"]) for key in soon.index if key in expected}
    assert shown
    assert shown == {key: expected[key] for key in shown}
    # and each is the whole days from as_of to the due instant, rounded down
    as_of = datetime(2026, 11, 28, 9, 17, tzinfo=UTC)
    for key in shown:
        # as shown: London time, to the minute
        due = datetime.fromisoformat(str(soon.loc[key, "due"])).replace(tzinfo=LONDON)
        assert shown[key] == math.floor((due - as_of) / timedelta(days=1))
        assert (due - as_of) % timedelta(days=1)  # not a whole number of days


def test_analyst_sees_counts_only(open_app, sample_identifiers) -> None:
    app = open_app("analyst", PAGE)
    text = rendered_text(app)
    assert leaked(text, sample_identifiers) == []
    # no finding key (org:, request:, user:, login:, ...) and no finding table
    assert not re.search(r"\b(org|request|user|login|ip|view|message|processor|dataset|row):", text)
    counts = frame_with(app, "findings")
    assert list(counts.columns) == ["family", "severity", "findings"]
    assert not app.segmented_control


def test_the_identifier_check_finds_what_a_dpo_is_shown(open_app, sample_identifiers) -> None:
    # The DPO's overview names user ids in finding keys: the check used on analyst pages
    # sees them, so its silence there means something.
    app = open_app("dpo", PAGE)
    assert any(kind.endswith("user_id") for kind in leaked(rendered_text(app), sample_identifiers))


@pytest.mark.parametrize("role", ["dpo", "analyst"])
def test_the_family_chart_and_the_rule_catalogue_name_every_rule(open_app, role) -> None:
    app = open_app(role, PAGE)
    chart = plotly_specs(app)["findings_chart"]
    for code in REGISTRY:
        assert f"{code} {rule_words.title(code)}" in chart
    [catalogue] = [m.value for m in app.expander[0].markdown if m.value.startswith("**Retention**")]
    named = re.findall(r"^- \*\*([A-Z]+-\d{3}) ([^*]+)\*\*: (.+)$", catalogue, re.MULTILINE)
    assert [code for code, _, _ in named] == list(REGISTRY)
    assert ("RET-003", "Erasure not done") in [(code, name) for code, name, _ in named]
    # each explanation whole, to its last word (a table cell cut the long ones short)
    for code, _, checks in named:
        shown = checks.replace("\\", "").replace("\u2060", "")  # escapes and word joiners
        assert shown == rule_words.explains(code)


def test_files_nothing_reads_are_named_under_load_status(open_app, tmp_path) -> None:
    """`admin_views` exported compressed: the load status showed it absent, and no word
    of the file; a dataset whose header row is data is named by file and position."""
    from insight_workbench.testing import build_snapshot

    folder = build_snapshot(tmp_path / "s", {})
    (folder / "admin_views.csv.gz").write_bytes(b"\x1f\x8b")
    (folder / "deidentified").mkdir()
    (folder / "deidentified" / "people.csv").write_text(
        "Ann Lee,ann@example.org\n", encoding="utf-8"
    )
    app = open_app("dpo", PAGE, env={"INSIGHT_SNAPSHOT": str(folder)})
    assert not app.exception
    [warning] = [w.value.replace("\\", "") for w in app.warning if w.value.startswith("Not read")]
    assert "admin_views.csv.gz (named like table admin_views, which is absent" in warning
    assert "deidentified/people.csv (its header row looks like" in warning
    assert "Ann" not in rendered_text(app)
    analyst = open_app("analyst", PAGE, env={"INSIGHT_SNAPSHOT": str(folder)})
    assert not analyst.exception
    assert not [w for w in analyst.warning if w.value.startswith("Not read")]
