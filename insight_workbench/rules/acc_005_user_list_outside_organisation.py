"""ACC-005: an organisation's user list opened by someone not its group admin."""

from __future__ import annotations

from insight_workbench import access_monitoring as access
from insight_workbench.findings import Finding
from insight_workbench.rules.base import Rule, RuleContext


def check(ctx: RuleContext) -> list[Finding]:
    return [
        Finding(
            rule=RULE.code,
            key=f"view:{row['view_id']}",
            severity=RULE.severity,
            message=(
                f"User list of organisation {row['org_id']} opened on {row['ts']} "
                f"by {row['viewer_user_id']}, {access.REASONS[row['reason']]}"
            ),
            due=None,
            evidence={
                "viewer_user_id": row["viewer_user_id"],
                "org_id": row["org_id"],
                "viewer_org_id": row["viewer_org_id"],
                "viewer_role": row["viewer_role"],
                "reason": row["reason"],
                "ts": row["ts"],
            },
        )
        for row in access.views_by_outsiders(ctx)
    ]


RULE = Rule(
    code="ACC-005",
    name="access.user_list_outside_organisation",
    severity="high",
    clause=(
        "User Lists: Group Admins are able to access a list of all users within their organisation."
    ),
    doc="""\
What it checks:
    Every `admin_views` row (an organisation's user list being shown) whose viewer
    is not a `group_admin` of that same organisation: an ordinary user, a group
    admin of another organisation, or a viewer with no `users` row at all.

    `as_of` does not limit the log. Key: `view:<view_id>`. No due date. No setting.

Why it matters:
    The user list holds names, email addresses and login history. The policy only
    lets group admins see the list of their own organisation; anyone else seeing
    it is a disclosure of personal data.

Example finding:
    ACC-005 view:V19 high - User list of organisation O3 opened on
    2026-11-10T14:02:00Z by U77, a group admin of another organisation

How to fix:
    Find out how the viewer reached the list, fix the permission check, and judge
    whether the disclosure must be recorded or reported as a personal data breach.
""",
    check=check,
)
