"""COM-001: an optional message sent to a user who had opted out of its category."""

from __future__ import annotations

from insight_workbench.deadlines.due_dates import params
from insight_workbench.findings import Finding
from insight_workbench.rules.base import Rule, RuleContext
from insight_workbench.timeutil import format_utc, iso_day

SQL = "com_001_sent_after_opt_out.sql"
CATEGORY = {"product_update": "Product update", "promotional": "Promotional"}


def check(ctx: RuleContext) -> list[Finding]:
    rows = ctx.query(SQL, grace_hours=params(ctx.policy)["grace_hours"])
    return [
        Finding(
            rule=RULE.code,
            key=f"message:{row['message_id']}",
            severity=RULE.severity,
            message=(
                f"{CATEGORY[row['category']]} message sent {iso_day(row['sent_at'])} to user "
                f"{row['user_id']}, who opted out on {iso_day(row['opted_out_at'])} "
                f"(via {row['channel']})"
            ),
            due=None,
            evidence={
                "user_id": row["user_id"],
                "category": row["category"],
                "sent_at": format_utc(row["sent_at"]),
                "opted_out_at": format_utc(row["opted_out_at"]),
                "channel": row["channel"],
            },
        )
        for row in rows
    ]


RULE = Rule(
    code="COM-001",
    name="communications.sent_after_opt_out",
    severity="high",
    clause=(
        "You can control whether you receive them. You can opt-out of these at any time, by "
        "following the \u201cunsubscribe\u201d link in emails or via a request to "
        "support@ocsi.co.uk"
    ),
    doc="""\
What it checks:
    Messages of category `product_update` or `promotional` where the user's latest
    `preferences` row for that category with `changed_at` at or before `sent_at` minus
    `[communications] opt_out_grace_hours` (0) says `opted_out` = true. A user with no
    such row has not opted out; an opt-in after an opt-out lifts it. Technical,
    administrative, billing and service messages are never findings.

    Key: `message:<message_id>`, one finding per message. No due date. Setting:
    `[communications] opt_out_grace_hours` (default 0).

Why it matters:
    Users were promised they can stop updates and promotions at any time. Sending
    marketing after an opt-out breaks that promise and PECR (regulation 22), which the
    ICO fines for.

Example finding:
    COM-001 message:M5521 high - Promotional message sent 2026-10-03 to user U88, who
    opted out on 2026-09-12 (via unsubscribe_link)

How to fix:
    Make the mailing job read the latest preference per user and category at send time;
    check that support-desk opt-outs reach the preferences table.
""",
    check=check,
)
