"""ACC-005: user lists opened by someone who is not a group admin of that organisation."""

from __future__ import annotations

import pytest


def org(org_id: str) -> dict[str, str]:
    return {
        "org_id": org_id,
        "name": "Org",
        "product": "community_insight",
        "status": "active",
        "created_at": "2025-01-01T00:00:00Z",
    }


def user(user_id: str, org_id: str, role: str, deleted_at: str | None = None) -> dict:
    return {
        "user_id": user_id,
        "org_id": org_id,
        "name": "Ann Lee",
        "email": f"{user_id}@example.org",
        "role": role,
        "created_at": "2025-01-01T00:00:00Z",
        "deleted_at": deleted_at,
    }


TABLES = {
    "organisations": [org("O1"), org("O2")],
    "users": [
        user("A1", "O1", "group_admin"),
        user("A2", "O2", "group_admin"),
        user("P1", "O1", "user"),
        user("D1", "O1", "group_admin", deleted_at="2026-01-01T00:00:00Z"),
    ],
}


@pytest.mark.parametrize(
    ("viewer", "org_id", "expected", "reason"),
    [
        ("A1", "O1", [], None),  # own organisation's group admin
        ("A2", "O1", ["view:V1"], "other_organisation"),  # admin of another organisation
        ("P1", "O1", ["view:V1"], "not_group_admin"),  # ordinary user of the same one
        ("X9", "O1", ["view:V1"], "unknown_viewer"),  # viewer not held: not a group admin
        ("D1", "O1", [], None),  # soft-deleted, still held as this organisation's admin
    ],
)
def test_user_list_views(run_rule, viewer, org_id, expected, reason):
    views = [
        {"view_id": "V1", "ts": "2026-11-10T14:02:00Z", "viewer_user_id": viewer, "org_id": org_id}
    ]
    findings = run_rule("ACC-005", {**TABLES, "admin_views": views})
    assert [f.key for f in findings] == expected
    if reason:
        assert findings[0].evidence["reason"] == reason
        assert findings[0].severity == "high"


def test_evidence_names_both_organisations(run_rule):
    views = [
        {"view_id": "V2", "ts": "2026-11-10T14:02:00Z", "viewer_user_id": "A2", "org_id": "O1"}
    ]
    [finding] = run_rule("ACC-005", {**TABLES, "admin_views": views})
    assert finding.evidence == {
        "viewer_user_id": "A2",
        "org_id": "O1",
        "viewer_org_id": "O2",
        "viewer_role": "group_admin",
        "reason": "other_organisation",
        "ts": "2026-11-10T14:02:00Z",
    }


def test_view_time_keeps_its_fraction_of_a_second(run_rule):
    views = [
        {
            "view_id": "V3",
            "ts": "2026-11-10T14:02:00.123456Z",
            "viewer_user_id": "P1",
            "org_id": "O1",
        }
    ]
    [finding] = run_rule("ACC-005", {**TABLES, "admin_views": views})
    assert finding.evidence["ts"] == "2026-11-10T14:02:00.123456Z"


def test_no_admin_views_table(run_rule):
    assert run_rule("ACC-005", TABLES) == []
