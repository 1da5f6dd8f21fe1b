"""RET-001: user data of a closed account held longer than 28 days after closure."""

from __future__ import annotations

from insight_workbench.deadlines.due_dates import held_evidence, params, prepare
from insight_workbench.findings import Finding, plural
from insight_workbench.rules.base import Rule, RuleContext
from insight_workbench.timeutil import format_utc, iso_day

SQL = "ret_001_closed_account.sql"


def check(ctx: RuleContext) -> list[Finding]:
    prepare(ctx.cursor, ctx.policy)
    return [
        Finding(
            rule=RULE.code,
            key=f"org:{row['org_id']}",
            severity=RULE.severity,
            message=(
                f"Closed {iso_day(row['reference_at'])}; user data held "
                f"{plural(row['days_since'], 'day')} after closure (due {iso_day(row['due_at'])})"
            ),
            due=format_utc(row["due_at"]),
            evidence=held_evidence(row),
        )
        for row in ctx.query(SQL, **params(ctx.policy))
    ]


RULE = Rule(
    code="RET-001",
    name="retention.closed_account",
    severity="high",
    clause=(
        "Once a Customer ceases to be a client; no individual user data will be held longer "
        "than 28 days after closure of your account."
    ),
    doc="""\
What it checks:
    Organisations with a `closed_at`, where `as_of` is later than `closed_at` plus
    `[retention] closed_account_days` (28 days), and personal data of any of their users
    is still held: the `users` row (soft-deleted users included) or rows with the user's
    id in logins, usage events, communications, preferences or admin views. Exactly at
    the due instant is not yet a finding. Due: `closed_at` + 28 days (UTC).

    Key: `org:<org_id>`, one finding per organisation. Due: `closed_at` + 28 days, a UTC
    instant written at full precision. Setting: `[retention] closed_account_days`
    (default 28).

Why it matters:
    The privacy policy promises that no individual user data outlives a closed account
    by more than 28 days. Data kept beyond that has no lawful basis (UK GDPR storage
    limitation) and breaks a published promise.

Example finding:
    RET-001 org:O17 high - Closed 2026-09-01; user data held 88 days after closure
    (due 2026-09-29); evidence {"users": 12, "logins": 340}

How to fix:
    Delete (not soft-delete) the organisation's users and every row carrying their ids;
    keep only aggregates. Then export a new snapshot and check again.
""",
    check=check,
)
