"""A page's first render computes what several of its tables start from once: the
schedule behind the Overview's three horizons and its list, the judged datasets behind
every table of De-identification, the burst windows Access monitoring lists and marks
over time; and the logins after closure or deletion, and the people whose data is still
held, come from the check every page shares. Shared, never across roles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from insight_workbench import access_monitoring
from insight_workbench.dashboard import access, deidentification, overview, retention
from insight_workbench.dashboard.roles import ANALYST
from insight_workbench.dashboard.session import Identity
from insight_workbench.deadlines import schedule
from insight_workbench.deidentification import assessment

ROOT = Path(__file__).resolve().parents[2]


def counted(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    """Calls of `module.name` from now on, one entry each."""
    calls: list[int] = []
    original: Callable[..., Any] = getattr(module, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return calls


def test_the_overview_builds_its_schedule_once(dpo, monkeypatch) -> None:
    builds = counted(monkeypatch, overview, "full_schedule")
    due = overview.due_counts(dpo)
    listed = {days: overview.upcoming(dpo, days) for days in overview.HORIZONS}
    overview.shown_keys(dpo)
    assert len(builds) == 1
    whole = schedule.build_schedule(dpo.snapshot, dpo.policy, dpo.as_of, due_now=True)
    for days in overview.HORIZONS:
        expected = schedule.build_schedule(
            dpo.snapshot, dpo.policy, dpo.as_of, within_days=days, due_now=True
        )
        assert due[days] == len(expected) == len(listed[days])
        assert list(listed[days]["key"]) == [item.key for item in expected]
    assert len(whole) >= due[overview.HORIZONS[-1]] > due[overview.HORIZONS[0]]


def test_de_identification_judges_the_datasets_once(dpo, monkeypatch) -> None:
    judged = counted(monkeypatch, deidentification.deid, "assess_datasets")
    verdicts = deidentification.verdicts(dpo)
    deidentification.columns(dpo)
    deidentification.offending_columns(dpo)
    deidentification.class_sizes(dpo)
    assert len(judged) == 1
    fresh = assessment.assess_datasets(dpo.snapshot, dpo.policy, dpo.as_of)
    assert list(verdicts["dataset"]) == [a.name for a in fresh]


def test_access_monitoring_finds_the_bursts_once_and_reads_late_logins_from_the_check(
    dpo, monkeypatch
) -> None:
    overview.finding_counts(dpo)  # the Overview has run the check
    found = counted(monkeypatch, access_monitoring, "burst_windows")
    scanned = counted(monkeypatch, access_monitoring, "logins_after_closure")
    scanned += counted(monkeypatch, access_monitoring, "logins_after_deletion")
    bursts = access.bursts(dpo)
    for grain in access_monitoring.GRAINS:
        access.failed_over_time(dpo, grain)
    late = access.late_logins(dpo)
    assert len(found) == 1
    assert not scanned
    assert not bursts.empty
    assert set(late["rule"]) == {"ACC-001", "ACC-002"}


def test_retention_reads_the_people_still_held_from_the_check(dpo, monkeypatch) -> None:
    overview.finding_counts(dpo)  # the Overview has run the check
    checks = counted(monkeypatch, retention, "run_check")
    people = retention.person_findings(dpo)
    assert not checks
    assert set(people["rule"]) == set(retention.PERSON_RULES)
    fresh = retention.people_held(dpo.snapshot, dpo.policy, dpo.as_of)
    pd.testing.assert_frame_equal(people, fresh)


def test_a_shared_result_is_never_served_to_another_role(dpo) -> None:
    assert deidentification.assessments(dpo)  # in the cache now
    analyst = replace(dpo, identity=Identity(ANALYST, "local user (no sign-in)", False))
    with pytest.raises(PermissionError):
        deidentification.assessments(analyst)
    with pytest.raises(PermissionError):
        overview.upcoming(analyst, 30)
    assert not access.bursts(dpo).empty
    for page_table in (access.bursts, access.late_logins, retention.person_findings):
        with pytest.raises(PermissionError):
            page_table(analyst)
    assert overview.due_counts(analyst) == overview.due_counts(dpo)  # counts for any role
