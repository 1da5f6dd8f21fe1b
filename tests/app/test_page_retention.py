"""Retention page: due dates, overdue first, rows held, the action list as CSV."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from apphelpers import frame_with, metrics

from insight_workbench.dashboard.retention import action_csv
from insight_workbench.deadlines.retention_table import retention_status
from insight_workbench.deadlines.schedule import build_schedule
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.policy import load_policy

PAGE = "app_pages/retention.py"


def status(sample: Snapshot) -> pd.DataFrame:
    return retention_status(sample, load_policy(), sample.manifest.exported_at)


def test_metrics_are_the_library_figures(open_app, sample: Snapshot) -> None:
    app = open_app("dpo", PAGE)
    assert not app.exception
    assert not app.error
    frame = status(sample)
    overdue = frame[frame["state"] == "overdue"]
    assert len(overdue) > 0
    assert metrics(app) == {
        "Organisations judged": str(len(frame)),
        "Overdue for deletion": str(len(overdue)),
        "Falling due later": str(int((frame["state"] == "upcoming").sum())),
        "Rows held past their due date": str(int(overdue["rows_held"].sum())),
    }


def test_due_now_is_neither_overdue_nor_falling_due_later(open_app, sample: Snapshot) -> None:
    """Exactly at its due instant an organisation is not yet a finding, and the schedule
    (items due after as_of) no longer lists it: "Falling due later" is the schedule's."""
    frame = status(sample)
    due_now = set(frame.loc[frame["state"] == "due now", "org_id"])
    assert due_now  # the sample plants organisations due exactly at its export
    scheduled = {
        item.key.removeprefix("org:")
        for item in build_schedule(sample, load_policy(), sample.manifest.exported_at)
        if item.kind == "retention"
    }
    assert not due_now & scheduled
    app = open_app("dpo", PAGE)
    assert metrics(app)["Falling due later"] == str(len(scheduled))
    assert due_now <= set(frame_with(app, "state", "rows_held")["org_id"])  # shown by default


def test_overdue_come_first_and_the_filter_changes_the_rows(open_app, sample) -> None:
    app = open_app("dpo", PAGE)
    frame = status(sample)
    shown = frame_with(app, "state", "rows_held")
    overdue = int((frame["state"] == "overdue").sum())
    assert list(shown["state"][:overdue]) == ["overdue"] * overdue
    days = list(shown["days_overdue"][:overdue])
    assert days == sorted(days, reverse=True)
    app.multiselect(key="retention_states").set_value(["overdue"]).run()
    assert not app.exception
    only = frame_with(app, "state", "rows_held")
    assert set(only["org_id"]) == set(frame.loc[frame["state"] == "overdue", "org_id"])
    assert len(only) < len(shown)
    app.multiselect(key="retention_states").set_value([]).run()
    assert "No organisation in the chosen states." in [i.value for i in app.info]


def test_action_list_csv_holds_the_overdue_organisations(open_app, sample) -> None:
    app = open_app("dpo", PAGE)
    assert app.get("download_button")  # offered on the page
    frame = status(sample)
    rows = list(csv.DictReader(io.StringIO(action_csv(frame).decode("utf-8-sig"))))
    overdue = frame[frame["state"] == "overdue"]
    assert [r["org_id"] for r in rows] == list(overdue["org_id"])
    assert [int(r["rows_held"]) for r in rows] == list(overdue["rows_held"])


def test_action_list_neutralises_formulas() -> None:
    frame = pd.DataFrame(
        [
            {
                "rule": "RET-001",
                "kind": "closed account",
                "org_id": "O1",
                "name": "=HYPERLINK(1)",
                "product": "local_insight",
                "status": "closed",
                "reference": "closed_at",
                "reference_at": pd.Timestamp("2026-01-01", tz="UTC"),
                "due_at": pd.Timestamp("2026-01-29", tz="UTC"),
                "state": "overdue",
                "days_overdue": 10.0,
                "days_left": None,
                "users": 1,
                "logins": 2,
                "usage_events": 0,
                "communications": 0,
                "preferences": 0,
                "admin_views": 0,
                "rows_held": 3,
            }
        ]
    )
    rows = list(csv.DictReader(io.StringIO(action_csv(frame).decode("utf-8-sig"))))
    assert rows[0]["name"] == "'=HYPERLINK(1)"
    assert rows[0]["due_at"] == "2026-01-29T00:00:00Z"


@pytest.mark.parametrize(("overdue", "shown"), [(302.25, "302.3"), (1.75, "1.8"), (0.04, "0.0")])
def test_action_list_rounds_days_overdue_half_away_from_zero(overdue: float, shown: str) -> None:
    """One decimal as the retention table rounds it (302 days and 6 hours is 302.3),
    not pandas' half to even (302.2)."""
    frame = pd.DataFrame(
        [{"rule": "RET-001", "org_id": "O1", "state": "overdue", "days_overdue": overdue}]
    )
    rows = list(csv.DictReader(io.StringIO(action_csv(frame).decode("utf-8-sig"))))
    assert rows[0]["days_overdue"] == shown
