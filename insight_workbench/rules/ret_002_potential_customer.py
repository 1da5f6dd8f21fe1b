"""RET-002: user data of a demo or trial organisation held 3 months after last contact."""

from __future__ import annotations

from insight_workbench.deadlines.due_dates import held_evidence, params, prepare
from insight_workbench.findings import Finding, plural
from insight_workbench.rules.base import Rule, RuleContext
from insight_workbench.timeutil import format_utc, iso_day

SQL = "ret_002_potential_customer.sql"


def check(ctx: RuleContext) -> list[Finding]:
    prepare(ctx.cursor, ctx.policy)
    return [
        Finding(
            rule=RULE.code,
            key=f"org:{row['org_id']}",
            severity=RULE.severity,
            message=(
                f"{row['status'].capitalize()} organisation last contacted "
                f"{iso_day(row['reference_at'])}; user data held "
                f"{plural(row['days_since'], 'day')} after last contact "
                f"(due {iso_day(row['due_at'])})"
            ),
            due=format_utc(row["due_at"]),
            evidence=held_evidence(row),
        )
        for row in ctx.query(SQL, **params(ctx.policy))
    ]


RULE = Rule(
    code="RET-002",
    name="retention.potential_customer",
    severity="high",
    clause=(
        "During the demo and free trial period of Insight Products; we will keep individual "
        "user data for up to 3 months after we are last in contact with the Potential Customer."
    ),
    doc="""\
What it checks:
    Organisations with status `demo` or `trial` where `as_of` is later than
    `last_contact_at` plus `[retention] potential_customer_months` (3) calendar months
    (same day and time, or the last day of a shorter month, on the UTC clock), and
    personal data of any of their users is still held (soft-deleted users included).
    Exactly at the due instant is not yet a finding. Due: that instant (UTC).

    Key: `org:<org_id>`, one finding per organisation. Due: `last_contact_at` + 3
    calendar months, a UTC instant written at full precision. Setting: `[retention]
    potential_customer_months` (default 3).

Why it matters:
    Potential customers were promised their users' data would go 3 months after the
    last contact. Keeping it longer breaks that promise and the storage-limitation
    principle.

Example finding:
    RET-002 org:O42 high - Trial organisation last contacted 2026-06-30; user data held
    151 days after last contact (due 2026-09-30); evidence {"users": 3, "logins": 17}

How to fix:
    If the organisation is still in contact, record the new contact (`last_contact_at`);
    otherwise delete its users and every row carrying their ids.
""",
    check=check,
)
