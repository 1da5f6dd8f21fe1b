"""The app runs the rules once per snapshot, `as_of` and policy, and shares that check
between the Overview's counts, its tables and the record links: keys only ever reach the
DPO, and two `as_of` never share a check."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from insight_workbench.dashboard import overview, records
from insight_workbench.dashboard.roles import ANALYST
from insight_workbench.dashboard.session import Identity, Workbench
from insight_workbench.rules.runner import run_check

ROOT = Path(__file__).resolve().parents[2]


def fresh_check(wb: Workbench) -> list:
    return run_check(wb.snapshot, wb.policy, as_of=wb.as_of).findings


def keys(findings: list) -> set[str]:
    return {f.key for f in findings}


def test_the_cached_check_is_the_check(dpo: Workbench) -> None:
    cached = records.findings(dpo)
    assert cached
    assert cached == fresh_check(dpo)
    assert records.findings(dpo) is cached  # the one result, served again


def test_the_overview_tables_show_the_cached_check(dpo: Workbench) -> None:
    found = records.findings(dpo)
    table = overview.findings_table(dpo)
    assert list(table["key"]) == [f.key for f in found]
    late = overview.overdue(dpo)
    assert set(late["key"]) <= keys(found)
    assert set(overview.shown_keys(dpo)) >= keys(found)


def test_the_dpo_s_cached_findings_are_never_served_to_an_analyst(dpo: Workbench) -> None:
    assert records.findings(dpo)  # in the cache now
    analyst = replace(dpo, identity=Identity(ANALYST, "local user (no sign-in)", False))
    with pytest.raises(PermissionError):
        records.findings(analyst)
    with pytest.raises(PermissionError):
        overview.findings_table(analyst)
    counts = overview.finding_counts(analyst)  # counts of the same shared check
    assert int(counts["findings"].sum()) == len(records.findings(dpo))


def test_another_as_of_has_a_check_of_its_own(dpo: Workbench) -> None:
    now = records.findings(dpo)
    earlier = replace(dpo, as_of=dpo.as_of - timedelta(days=400))
    then = records.findings(earlier)
    assert then == fresh_check(earlier)
    assert keys(then) != keys(now)


def test_a_finding_due_after_an_earlier_as_of_is_not_overdue_then(dpo: Workbench) -> None:
    """RET-003 is judged at the export: viewed at an as-of before a completed erasure's
    due, the finding stands, but it is not yet overdue (no negative days overdue)."""
    erasures = [f for f in records.findings(dpo) if f.rule == "RET-003" and f.due]
    assert erasures  # the sample plants completed erasures whose data is still held
    due = min(datetime.fromisoformat(f.due.replace("Z", "+00:00")) for f in erasures)
    earlier = replace(dpo, as_of=due - timedelta(days=1))
    assert keys(records.findings(earlier)) >= keys(erasures)  # findings then too
    late = overview.overdue(earlier)
    assert all(late["days_overdue"] >= 0)
    assert not set(late["key"]) & keys(erasures)
    assert set(overview.overdue(dpo)["key"]) >= keys(erasures)  # overdue at the export
