"""RET-004: personal data left behind for a user_id that has no users row."""

from __future__ import annotations

from insight_workbench.deadlines.due_dates import held_evidence, prepare
from insight_workbench.findings import Finding, plural
from insight_workbench.rules.base import Rule, RuleContext

SQL = "ret_004_orphaned_personal_data.sql"


def check(ctx: RuleContext) -> list[Finding]:
    prepare(ctx.cursor, ctx.policy)
    findings = []
    for row in ctx.query(SQL):
        held = held_evidence(row)
        tables = ", ".join(f"{table} {count}" for table, count in held.items())
        findings.append(
            Finding(
                rule=RULE.code,
                key=f"user:{row['user_id']}",
                severity=RULE.severity,
                message=(
                    f"User {row['user_id']} has no users row; still held: "
                    f"{plural(row['rows_held'], 'row')} ({tables})"
                ),
                due=None,
                evidence=held,
            )
        )
    return findings


RULE = Rule(
    code="RET-004",
    name="retention.orphaned_personal_data",
    severity="high",
    clause=(
        "Once a Customer ceases to be a client; no individual user data will be held longer "
        "than 28 days after closure of your account."
    ),
    doc="""\
What it checks:
    Rows in logins, usage events, communications, preferences (`user_id`) or admin views
    (`viewer_user_id`) whose user id has no `users` row. One finding per such user id,
    with the rows held per table. Failed logins of unknown accounts (`user_id` empty)
    are not counted.

    Key: `user:<user_id>` of the missing user. No due date. No setting.

Why it matters:
    A deletion that removed the user row but left the rest behind still holds personal
    data (IP addresses, activity, preferences), now with no owner to answer for it: no
    retention rule can see it and no subject request can find it by account.

Example finding:
    RET-004 user:U977 high - User U977 has no users row; still held: 41 rows
    (logins 30, usage_events 11)

How to fix:
    Delete the leftover rows (or restore the user if the deletion was a mistake), and
    fix the deletion job so that it removes every table in one transaction.
""",
    check=check,
)
