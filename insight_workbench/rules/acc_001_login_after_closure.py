"""ACC-001: a successful login after the user's organisation was closed."""

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
                f"User {row['user_id']} logged in on {row['ts']}, after "
                f"organisation {row['org_id']} closed on {row['limit_at']}"
            ),
            due=None,
            evidence={
                "user_id": row["user_id"],
                "org_id": row["org_id"],
                "ts": row["ts"],
                "closed_at": row["limit_at"],
            },
        )
        for row in access.logins_after_closure(ctx)
    ]


RULE = Rule(
    code="ACC-001",
    name="access.login_after_closure",
    severity="high",
    clause="User logs to monitor for unwarranted access to services",
    doc="""\
What it checks:
    Successful logins (`logins.success` true) whose `ts` is after the `closed_at`
    of the user's organisation. A login exactly at `closed_at` is not a finding.

    `as_of` does not limit the log. Key: `login:<login_id>`. No due date. No setting.

Why it matters:
    Once a customer has closed its account nobody from it should get in: a later
    login is unwarranted access, and it also shows that the account and its user
    data were not removed at closure.

Example finding:
    ACC-001 login:L88 high - User U12 logged in on 2026-10-03T09:12:00Z, after
    organisation O17 closed on 2026-09-01T00:00:00Z

How to fix:
    Disable every account of the closed organisation, find out who logged in and
    why, and delete the organisation's user data as the retention rule requires.
""",
    check=check,
)
