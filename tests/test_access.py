"""Access monitoring tables: the ACC rules' results shaped for the page and the notebook."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from insight_workbench import access_monitoring as access
from insight_workbench.loading.snapshot import Snapshot, load_snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules import REGISTRY, run_rules
from insight_workbench.rules.runner import run_check
from insight_workbench.testing import build_snapshot

START = datetime(2026, 11, 20, 23, 55, tzinfo=UTC)  # a burst that crosses midnight


def _ts(seconds: float) -> str:
    return (START + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def _failed(prefix: str, user_id: str | None, ip: str, offsets: list[float]) -> list[dict]:
    return [
        {"login_id": f"{prefix}{i}", "ts": _ts(s), "user_id": user_id, "success": False, "ip": ip}
        for i, s in enumerate(offsets)
    ]


TABLES = {
    "organisations": [
        {
            "org_id": "O1",
            "name": "Org",
            "product": "local_insight",
            "status": "closed",
            "created_at": "2025-01-01T00:00:00Z",
            "closed_at": "2026-10-01T00:00:00Z",
        },
        {
            "org_id": "O2",
            "name": "Org 2",
            "product": "local_insight",
            "status": "active",
            "created_at": "2025-01-01T00:00:00Z",
        },
    ],
    "users": [
        {
            "user_id": "U1",
            "org_id": "O1",
            "name": "Ann Lee",
            "email": "ann@example.org",
            "role": "group_admin",
            "created_at": "2025-01-01T00:00:00Z",
        },
        {
            "user_id": "U2",
            "org_id": "O2",
            "name": "Bo Chan",
            "email": "bo@example.org",
            "role": "user",
            "created_at": "2025-01-01T00:00:00Z",
            "deleted_at": "2026-11-01T00:00:00Z",
        },
    ],
    "logins": (
        _failed("A", "U2", "198.51.100.1", [60 * i for i in range(10)])  # account burst
        + _failed("B", None, "203.0.113.9", [10 * i for i in range(20)])  # IP burst
        + _failed("C", "U2", "198.51.100.1", [86400 * 3])  # a lone failure, days later
        + [
            {
                "login_id": "S1",
                "ts": "2026-10-02T00:00:00Z",
                "user_id": "U1",
                "success": True,
                "ip": "198.51.100.2",
            },
            {
                "login_id": "S2",
                "ts": "2026-11-02T00:00:00Z",
                "user_id": "U2",
                "success": True,
                "ip": "198.51.100.2",
            },
        ]
    ),
    "admin_views": [
        {"view_id": "V1", "ts": "2026-09-01T00:00:00Z", "viewer_user_id": "U1", "org_id": "O1"},
        {"view_id": "V2", "ts": "2026-09-01T00:00:00Z", "viewer_user_id": "U1", "org_id": "O2"},
        {"view_id": "V3", "ts": "2026-09-01T00:00:00Z", "viewer_user_id": "U2", "org_id": "O2"},
    ],
}


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    return load_snapshot(build_snapshot(tmp_path_factory.mktemp("access") / "s", TABLES))


def test_burst_windows_are_the_rules_findings(snapshot):
    policy = load_policy()
    frame = access.burst_windows(snapshot, policy)
    assert list(frame.columns) == ["kind", "subject", "failed_logins", "first", "last"]
    assert frame[["kind", "subject", "failed_logins"]].to_dict("records") == [
        {"kind": "account", "subject": "U2", "failed_logins": 10},
        {"kind": "ip", "subject": "203.0.113.9", "failed_logins": 20},
    ]
    findings = run_rules(
        snapshot, policy, snapshot.manifest.exported_at, [REGISTRY["ACC-003"], REGISTRY["ACC-004"]]
    )
    assert [f.key for f in findings] == ["user:U2", "ip:203.0.113.9"]


def test_failed_logins_per_day_flag_bursts(snapshot):
    frame = access.failed_logins_over_time(snapshot, load_policy(), "day")
    days = [p.strftime("%Y-%m-%d") for p in pd.to_datetime(frame["period"], utc=True)]
    assert days == ["2026-11-20", "2026-11-21", "2026-11-23"]
    assert list(frame["failed_logins"]) == [25, 5, 1]
    # the account burst runs 23:55 -> 00:04 and touches both days; the IP burst only the first
    assert list(frame["bursts"]) == [2, 1, 0]
    assert list(frame["in_burst"]) == [True, True, False]


def test_failed_logins_per_hour(snapshot):
    frame = access.failed_logins_over_time(snapshot, load_policy(), "hour")
    assert list(frame["failed_logins"]) == [25, 5, 1]
    assert list(frame["accounts"]) == [1, 1, 1]
    assert list(frame["ips"]) == [2, 1, 1]
    with pytest.raises(ValueError, match="grain must be one of"):
        access.failed_logins_over_time(snapshot, load_policy(), "week")


def test_logins_after_closure_or_deletion(snapshot):
    frame = access.logins_after_closure_or_deletion(snapshot, load_policy())
    assert frame[["rule", "login_id", "user_id", "limit"]].to_dict("records") == [
        {"rule": "ACC-001", "login_id": "S1", "user_id": "U1", "limit": "organisation closed"},
        {"rule": "ACC-002", "login_id": "S2", "user_id": "U2", "limit": "account deleted"},
    ]


def test_late_logins_read_from_the_findings_are_the_logins_found_in_the_log(snapshot, sample):
    """The app lists them from the check it has run already: the same table."""
    policy = load_policy()
    for loaded in (snapshot, sample):
        queried = access.logins_after_closure_or_deletion(loaded, policy)
        assert not queried.empty
        found = access.late_logins(run_check(loaded, policy).findings)
        pd.testing.assert_frame_equal(found, queried)


def test_views_outside_organisation(snapshot):
    frame = access.views_outside_organisation(snapshot, load_policy())
    assert frame[["view_id", "reason"]].to_dict("records") == [
        {"view_id": "V2", "reason": "a group admin of another organisation"},
        {"view_id": "V3", "reason": "a user who is not a group admin"},
    ]


def test_empty_snapshot(tmp_path: Path):
    empty = load_snapshot(build_snapshot(tmp_path / "s"))
    policy = load_policy()
    assert access.burst_windows(empty, policy).empty
    assert access.failed_logins_over_time(empty, policy).empty
    assert access.logins_after_closure_or_deletion(empty, policy).empty
    assert access.views_outside_organisation(empty, policy).empty
