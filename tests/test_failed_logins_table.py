"""`iw_failed_logins`: the failed logins of the typed `logins`, stored apart at load.

ACC-003 and ACC-004 read it too: their tests (tests/rules) cover failures on unknown
accounts counted for their IP."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from insight_workbench import access_monitoring as access
from insight_workbench.loading.snapshot import Snapshot, load_snapshot
from insight_workbench.policy import load_policy
from insight_workbench.testing import build_snapshot


def _login(login_id: str, ts: str, user_id: str | None, success: object, ip: str) -> dict:
    return {"login_id": login_id, "ts": ts, "user_id": user_id, "success": success, "ip": ip}


LOGINS = [
    _login("L1", "2026-11-20T10:00:00Z", "U1", True, "192.0.2.1"),
    _login("L2", "2026-11-20T10:01:00Z", "U1", False, "192.0.2.1"),
    _login("L3", "2026-11-20T10:02:00Z", None, False, "198.51.100.7"),  # unknown account
    _login("L4", "2026-11-20T25:00:00Z", "U1", False, "192.0.2.1"),  # impossible hour
    _login("L2", "2026-11-20T10:03:00Z", "U2", False, "192.0.2.9"),  # repeated login_id
    _login("L5", "2026-11-20T10:04:00Z", "U2", "maybe", "192.0.2.9"),  # bad boolean
    _login("L6", "2026-11-21T08:00:00Z", "U2", False, "192.0.2.9"),
    _login("L7", "2026-11-21T09:00:00Z", "U2", True, "192.0.2.9"),
]


@pytest.fixture(params=["csv", "parquet"])
def snapshot(tmp_path: Path, request: pytest.FixtureRequest) -> Snapshot:
    return load_snapshot(build_snapshot(tmp_path / "s", {"logins": LOGINS}, fmt=request.param))


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_it_holds_exactly_the_failed_logins_of_the_typed_logins(snapshot: Snapshot) -> None:
    cursor = snapshot.cursor()
    assert snapshot.rows_rejected["logins"] == 3
    stored = cursor.execute("SELECT ts, user_id, ip FROM iw_failed_logins").fetchall()
    assert stored == [
        (_at("2026-11-20T10:01:00+00:00"), "U1", "192.0.2.1"),
        (_at("2026-11-20T10:02:00+00:00"), None, "198.51.100.7"),
        (_at("2026-11-21T08:00:00+00:00"), "U2", "192.0.2.9"),
    ]
    typed = cursor.execute("SELECT ts, user_id, ip FROM logins WHERE NOT success ORDER BY ts")
    assert stored == typed.fetchall()


def test_its_columns_keep_the_types_of_logins(snapshot: Snapshot) -> None:
    cursor = snapshot.cursor()
    types = {name: kind for name, kind, *_ in cursor.execute("DESCRIBE logins").fetchall()}
    stored = cursor.execute("DESCRIBE iw_failed_logins").fetchall()
    assert [(name, kind) for name, kind, *_ in stored] == [
        (name, types[name]) for name in ("ts", "user_id", "ip")
    ]


def test_failures_per_day_count_the_unknown_account_for_its_ip(snapshot: Snapshot) -> None:
    frame = access.failed_logins_over_time(snapshot, load_policy(), "day")
    assert frame[["failed_logins", "accounts", "ips"]].to_dict("records") == [
        {"failed_logins": 2, "accounts": 1, "ips": 2},
        {"failed_logins": 1, "accounts": 1, "ips": 1},
    ]
