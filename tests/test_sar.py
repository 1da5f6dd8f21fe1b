"""request_deadlines: every subject request with each step of its due date."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from insight_workbench.loading.snapshot import Snapshot, load_snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules.runner import run_check
from insight_workbench.subject_requests.request_table import request_deadlines
from insight_workbench.testing import build_snapshot

POLICY = load_policy()
EXPORTED = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def snapshot(clock: Snapshot) -> Snapshot:
    return clock


def day(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def request(request_id: str, received_at: str, **values) -> dict:
    return {
        "request_id": request_id,
        "received_at": received_at,
        "requester_email": "x@example.org",
        "type": "access",
        "status": values.pop("status", "open"),
        "extended": False,
        **values,
    }


def test_steps_of_the_due_date(tmp_path):
    rows = [
        request("A", "2026-01-31T12:00:00Z"),  # 28 Feb is a Saturday
        request("B", "2026-06-09T23:30:00Z"),  # London date 10 Jun
        request(
            "C", "2026-01-05T09:00:00Z", clock_started_at="2026-01-31T10:00:00Z", extended=True
        ),
        request("D", "2026-11-25T10:00:00Z"),  # Christmas
    ]
    snapshot = load_snapshot(build_snapshot(tmp_path / "s", {"subject_requests": rows}))
    frame = request_deadlines(snapshot, POLICY, EXPORTED).set_index("request_id")
    a, b, c, d = (frame.loc[k] for k in "ABCD")
    assert (a["received_date"], a["nominal_date"], a["period_end"]) == (
        day("2026-01-31"),
        "2026-02-31",
        day("2026-02-28"),
    )
    assert bool(a["clamped"])
    assert a["moved_because"] == "Saturday, Sunday"
    assert a["due_date"] == day("2026-03-02")
    assert (b["received_date"], b["due_date"], bool(b["clamped"])) == (
        day("2026-06-10"),
        day("2026-07-10"),
        False,
    )
    assert pd.isna(b["moved_because"])
    assert (c["clock_start_date"], c["period_months"], c["nominal_date"]) == (
        day("2026-01-31"),
        3,
        "2026-04-31",
    )
    assert c["due_date"] == day("2026-04-30")
    assert d["moved_because"] == "Christmas Day, Boxing Day, Sunday, Boxing Day (observed)"
    assert d["due_date"] == day("2026-12-29")


def test_days_left_late_and_findings(snapshot):
    frame = request_deadlines(snapshot, POLICY, EXPORTED).set_index("request_id")
    assert frame.loc["R1", "days_late"] == 8
    assert frame.loc["R1", "finding"] == "SAR-001"
    assert frame.loc["R3", "days_late"] == 1
    assert frame.loc["R3", "finding"] == "SAR-002"
    assert frame.loc["R2", "days_left"] == 23
    assert pd.isna(frame.loc["R2", "finding"])
    assert pd.isna(frame.loc["R4", "days_late"])  # answered in time


@pytest.mark.parametrize("as_of", [EXPORTED, datetime(2026, 12, 30, tzinfo=UTC)])
def test_findings_column_matches_the_rules(snapshot, as_of):
    frame = request_deadlines(snapshot, POLICY, as_of)
    flagged = frame.dropna(subset=["finding"])
    from_frame = sorted(zip(flagged["finding"], "request:" + flagged["request_id"], strict=True))
    findings = run_check(snapshot, POLICY, as_of, ["SAR"]).findings
    assert from_frame == [(f.rule, f.key) for f in findings]
    due = frame.set_index("request_id")["due_date"]
    assert all(f.due == f"{due[f.key.removeprefix('request:')]:%Y-%m-%d}" for f in findings)


def test_clarification_steps_and_paused_requests(tmp_path):
    asked = {"clarification_requested_at": "2025-09-10T09:00:00Z"}
    rows = [
        request(
            "E", "2025-09-03T09:00:00Z", **asked, clarification_received_at="2025-09-17T15:00:00Z"
        ),
        request("W", "2025-09-03T09:00:00Z", **asked),  # still waiting
        request(
            "L", "2025-09-03T09:00:00Z", **asked, clarification_received_at="2025-10-20T09:00:00Z"
        ),
        request("X", "2025-09-03T09:00:00Z", **asked, status="withdrawn"),
    ]
    snapshot = load_snapshot(build_snapshot(tmp_path / "s", {"subject_requests": rows}))
    as_of = datetime(2025, 10, 14, 12, tzinfo=UTC)
    frame = request_deadlines(snapshot, POLICY, as_of).set_index("request_id")
    e, w, late_reply, x = (frame.loc[k] for k in "EWLX")
    assert (e["period_end"], e["paused_days"], e["clock_end"], e["due_date"]) == (
        day("2025-10-03"),
        7,
        day("2025-10-10"),
        day("2025-10-10"),
    )
    assert (e["clarification_requested_date"], e["clock_resumed_date"]) == (
        day("2025-09-10"),
        day("2025-09-17"),
    )
    assert not e["paused"]
    assert e["finding"] == "SAR-001"
    assert e["days_late"] == 4
    for paused in (w, late_reply):  # the reply of L comes after as_of
        assert paused["paused"]
        assert pd.isna(paused["due_date"])
        assert pd.isna(paused["clock_end"])
        assert pd.isna(paused["days_left"])
        assert pd.isna(paused["days_late"])
        assert paused["finding"] is None or pd.isna(paused["finding"])
    assert not x["paused"]
    assert pd.isna(x["due_date"])
    assert list(frame.index)[-3:] == ["L", "W", "X"]  # no due date: listed last
    later = request_deadlines(snapshot, POLICY, datetime(2025, 10, 20, 9, tzinfo=UTC))
    l_row = later.set_index("request_id").loc["L"]
    assert not l_row["paused"]
    assert l_row["due_date"] == day("2025-11-12")


def test_old_snapshots_without_clarification_columns_load(tmp_path):
    snapshot = load_snapshot(
        build_snapshot(tmp_path / "s", {"subject_requests": [request("A", "2026-01-31T12:00:00Z")]})
    )
    columns = snapshot.cursor().execute("DESCRIBE subject_requests").fetchall()
    assert {"clarification_requested_at", "clarification_received_at"} <= {c[0] for c in columns}
    [row] = request_deadlines(snapshot, POLICY, EXPORTED).to_dict("records")
    assert (row["paused"], row["paused_days"], row["due_date"]) == (False, 0, day("2026-03-02"))
