"""RET-004: personal data left behind for a user_id with no users row."""

from __future__ import annotations

import pytest
from snapshot_rows import event, login, message, org, preference, user, view

BASE = {"organisations": [org("O1")], "users": [user("U1")]}


@pytest.mark.parametrize(
    ("tables", "expected"),
    [
        ({**BASE, "logins": [login("L1", "U1")]}, []),
        ({**BASE, "logins": [login("L1", "U9")]}, ["user:U9"]),
        ({**BASE, "logins": [login("L1", None, success=False)]}, []),  # unknown account
        ({**BASE, "usage_events": [event("E1", "U9")]}, ["user:U9"]),
        ({**BASE, "communications": [message("M1", "U9", "2026-05-01T00:00:00Z")]}, ["user:U9"]),
        ({**BASE, "preferences": [preference("U9", "2026-05-01T00:00:00Z", True)]}, ["user:U9"]),
        ({**BASE, "admin_views": [view("V1", "U9")]}, ["user:U9"]),
        # a soft-deleted user still has their row: nothing is orphaned
        (
            {
                "organisations": [org("O1")],
                "users": [user("U1", deleted_at="2026-01-01T00:00:00Z")],
                "logins": [login("L1", "U1")],
            },
            [],
        ),
        # one finding per user id, sorted
        (
            {**BASE, "logins": [login("L1", "U9"), login("L2", "U8"), login("L3", "U9")]},
            ["user:U8", "user:U9"],
        ),
    ],
)
def test_orphaned_rows(run_rule, tables, expected):
    assert [f.key for f in run_rule("RET-004", tables)] == expected


def test_evidence_counts_rows_per_table(run_rule):
    tables = {
        **BASE,
        "logins": [login("L1", "U9"), login("L2", "U9")],
        "usage_events": [event("E1", "U9")],
        "admin_views": [view("V1", "U9")],
    }
    [finding] = run_rule("RET-004", tables)
    assert (finding.severity, finding.due) == ("high", None)
    assert finding.evidence == {"logins": 2, "usage_events": 1, "admin_views": 1}
    assert finding.message == (
        "User U9 has no users row; still held: 4 rows (logins 2, usage_events 1, admin_views 1)"
    )
