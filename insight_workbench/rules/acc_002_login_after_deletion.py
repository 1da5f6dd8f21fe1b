"""ACC-002: a successful login after the user's account was deleted."""

from __future__ import annotations

from insight_workbench import access_monitoring as access
from insight_workbench.findings import Finding
from insight_workbench.rules.base import Rule, RuleContext


def check(ctx: RuleContext) -> list[Finding]:
    return [
        Finding(
            rule=RULE.code,
            key=f"login:{row['login_id']}",
            severity=RULE.severity,
            message=(
                f"User {row['user_id']} logged in on {row['ts']}, after the "
                f"account was deleted on {row['limit_at']}"
            ),
            due=None,
            evidence={
                "user_id": row["user_id"],
                "org_id": row["org_id"],
                "ts": row["ts"],
                "deleted_at": row["limit_at"],
            },
        )
        for row in access.logins_after_deletion(ctx)
    ]


RULE = Rule(
    code="ACC-002",
    name="access.login_after_deletion",
    severity="high",
    clause="User logs to monitor for unwarranted access to services",
    doc="""\
What it checks:
    Successful logins (`logins.success` true) whose `ts` is after the user's
    `deleted_at` (a soft-deleted user whose row is still held). A login exactly at
    `deleted_at` is not a finding.

    `as_of` does not limit the log. Key: `login:<login_id>`. No due date. No setting.

Why it matters:
    A deleted account must not work any more: a later successful login is
    unwarranted access, and shows the deletion did not take effect.

Example finding:
    ACC-002 login:L402 high - User U31 logged in on 2026-11-02T08:00:01Z, after the
    account was deleted on 2026-11-01T00:00:00Z

How to fix:
    Revoke the account's sessions and credentials, find out who used it, and
    complete the deletion of the user's data.
""",
    check=check,
)
