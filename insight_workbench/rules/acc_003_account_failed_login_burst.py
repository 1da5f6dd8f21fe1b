"""ACC-003: a burst of failed logins on one account."""

from __future__ import annotations

from insight_workbench import access_monitoring as access
from insight_workbench.findings import Finding, plural
from insight_workbench.rules.base import Rule, RuleContext


def check(ctx: RuleContext) -> list[Finding]:
    minutes = ctx.policy.access.window_minutes
    return [
        Finding(
            rule=RULE.code,
            key=f"user:{row['subject']}",
            severity=RULE.severity,
            message=(
                f"{plural(row['failures'], 'failed login')} on account {row['subject']} "
                f"within {plural(minutes, 'minute')}, from {row['first_ts']} "
                f"to {row['last_ts']}"
            ),
            due=None,
            evidence={
                "failed_logins": row["failures"],
                "first": row["first_ts"],
                "last": row["last_ts"],
                "window_minutes": minutes,
            },
        )
        for row in access.account_bursts(ctx)
    ]


RULE = Rule(
    code="ACC-003",
    name="access.account_failed_login_burst",
    severity="medium",
    clause="User logs to monitor for unwarranted access to services",
    doc="""\
What it checks:
    For each account (`logins.user_id`), whether at least 10 failed logins fall
    within some 15-minute window (inclusive: last `ts` - first `ts` <= 15 minutes).
    One finding per account, with the count, first and last time of its densest
    window. Both numbers come from `[access]` in the policy file.

    `as_of` does not limit the log. Key: `user:<user_id>`. No due date. Settings:
    `[access] failed_logins_per_account` (default 10) and `window_minutes` (default 15).

Why it matters:
    Many failures on one account in a short time is how password guessing looks.
    The policy promises that the logs are used to watch for unwarranted access.

Example finding:
    ACC-003 user:U44 medium - 14 failed logins on account U44 within 15 minutes,
    from 2026-11-20T03:01:00Z to 2026-11-20T03:12:30Z

How to fix:
    Check whether any later login on the account succeeded, lock or reset the
    account if so, and tell the user; consider rate limiting at the login form.
""",
    check=check,
)
