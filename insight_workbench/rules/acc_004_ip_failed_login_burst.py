"""ACC-004: a burst of failed logins from one IP address."""

from __future__ import annotations

from insight_workbench import access_monitoring as access
from insight_workbench.findings import Finding, plural
from insight_workbench.rules.base import Rule, RuleContext


def check(ctx: RuleContext) -> list[Finding]:
    minutes = ctx.policy.access.window_minutes
    return [
        Finding(
            rule=RULE.code,
            key=f"ip:{row['subject']}",
            severity=RULE.severity,
            message=(
                f"{plural(row['failures'], 'failed login')} from IP {row['subject']} "
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
        for row in access.ip_bursts(ctx)
    ]


RULE = Rule(
    code="ACC-004",
    name="access.ip_failed_login_burst",
    severity="medium",
    clause="User logs to monitor for unwarranted access to services",
    doc="""\
What it checks:
    For each IP address, exactly as written in the export, whether at least 20
    failed logins fall within some 15-minute window (inclusive: last `ts` - first
    `ts` <= 15 minutes). Failures on unknown accounts (no `user_id`) count too.
    One finding per IP, with the count, first and last time of its densest window.
    Both numbers come from `[access]` in the policy file.

    `as_of` does not limit the log. Key: `ip:<ip>` as written. No due date. Settings:
    `[access] failed_logins_per_ip` (default 20) and `window_minutes` (default 15).

Why it matters:
    Many failures from one address, often across many accounts, is how credential
    stuffing looks. The policy promises that the logs are used to watch for
    unwarranted access.

Example finding:
    ACC-004 ip:203.0.113.9 medium - 31 failed logins from IP 203.0.113.9 within
    15 minutes, from 2026-11-21T22:40:00Z to 2026-11-21T22:54:10Z

How to fix:
    Block or throttle the address, check whether any login from it succeeded, and
    reset the accounts it got into.
""",
    check=check,
)
