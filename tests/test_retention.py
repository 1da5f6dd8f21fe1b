"""retention_status: every closed and potential-customer organisation, due and rows held."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from insight_workbench.deadlines.due_dates import prepare
from insight_workbench.deadlines.retention_table import retention_status
from insight_workbench.loading.schema import PERSONAL_DATA_TABLES
from insight_workbench.loading.snapshot import Snapshot, load_snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules.runner import run_check

POLICY = load_policy()
EXPORTED = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def snapshot(clock: Snapshot) -> Snapshot:
    return clock


def test_one_row_per_judged_organisation(snapshot):
    frame = retention_status(snapshot, POLICY, EXPORTED)
    assert list(frame["org_id"]) == ["O1", "O3", "O2", "O4"]  # soonest due first
    assert list(frame["rule"]) == ["RET-001", "RET-002", "RET-001", "RET-002"]
    assert list(frame["state"]) == ["overdue", "overdue", "upcoming", "upcoming"]
    row = frame.set_index("org_id").loc["O1"]
    assert row["reference"] == "closed_at"
    assert row["due_at"] == pd.Timestamp("2026-09-29T10:00:00Z")
    assert row["days_overdue"] == pytest.approx(59.6)  # 59.67 days: tenths rounded down
    assert pd.isna(row["days_left"])
    assert (row["users"], row["logins"], row["rows_held"]) == (1, 1, 2)
    upcoming = frame.set_index("org_id").loc["O2"]
    assert upcoming["days_left"] == pytest.approx(10.2)  # 10 days 7 hours: 10.29
    assert pd.isna(upcoming["days_overdue"])


def test_overdue_rows_are_exactly_the_retention_findings(snapshot):
    for as_of in (EXPORTED, datetime(2027, 6, 1, tzinfo=UTC)):
        frame = retention_status(snapshot, POLICY, as_of)
        overdue = frame[frame["state"] == "overdue"]
        from_frame = sorted(zip(overdue["rule"], "org:" + overdue["org_id"], strict=True))
        findings = run_check(snapshot, POLICY, as_of, ["RET-001", "RET-002"]).findings
        assert from_frame == [(f.rule, f.key) for f in findings]
        due = {f.key: f.due for f in findings}
        for _, row in overdue.iterrows():
            assert due["org:" + row["org_id"]] == row["due_at"].strftime("%Y-%m-%dT%H:%M:%SZ")


def test_nothing_held_is_not_overdue(tmp_path):
    from insight_workbench.testing import build_snapshot

    orgs = [
        {
            "org_id": "O1",
            "name": "Gone Ltd",
            "product": "local_insight",
            "status": "closed",
            "created_at": "2025-01-01T00:00:00Z",
            "closed_at": "2026-01-01T00:00:00Z",
        }
    ]
    snapshot = load_snapshot(build_snapshot(tmp_path / "s", {"organisations": orgs}))
    frame = retention_status(snapshot, POLICY, EXPORTED)
    assert list(frame["state"]) == ["nothing held"]
    assert frame["rows_held"].tolist() == [0]
    # Past its due with nothing to delete: no days overdue (it would read as a breach).
    assert frame[["days_overdue", "days_left"]].isna().all(axis=None)


def test_personal_data_is_the_rules_list():
    """ "Personal data of a user" in the rules, marked once on the schema's tables."""
    assert PERSONAL_DATA_TABLES == {
        "users": "user_id",
        "logins": "user_id",
        "usage_events": "user_id",
        "communications": "user_id",
        "preferences": "user_id",
        "admin_views": "viewer_user_id",
    }


def test_rows_held_per_table_follow_the_schema(snapshot):
    """iw_held and the retention table carry one count per table of personal data."""
    cursor = snapshot.cursor()
    try:
        prepare(cursor, POLICY)
        held = [row[0] for row in cursor.execute("DESCRIBE iw_held").fetchall()]
    finally:
        cursor.close()
    assert held == ["user_id", *PERSONAL_DATA_TABLES, "rows_held"]
    frame = retention_status(snapshot, POLICY, EXPORTED)
    assert list(frame.columns[-len(held) + 1 :]) == [*PERSONAL_DATA_TABLES, "rows_held"]
    counted = frame[list(PERSONAL_DATA_TABLES)].sum(axis=1)
    assert list(counted) == list(frame["rows_held"])
