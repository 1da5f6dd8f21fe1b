"""TPP-002: a processor whose last evaluation is more than 12 months old."""

from __future__ import annotations

from insight_workbench.deadlines.due_dates import params, prepare
from insight_workbench.findings import Finding, plural
from insight_workbench.rules.base import Rule, RuleContext
from insight_workbench.timeutil import iso_day

SQL = "tpp_002_overdue_review.sql"


def check(ctx: RuleContext) -> list[Finding]:
    prepare(ctx.cursor, ctx.policy)
    return [
        Finding(
            rule=RULE.code,
            key=f"processor:{row['processor_id']}",
            severity=RULE.severity,
            message=(
                f"Processor {row['name']} ({row['service']}) last evaluated "
                f"{iso_day(row['last_evaluated'])}; review was due {iso_day(row['next_review'])}"
                f" ({plural(row['days_overdue'], 'day')} ago)"
            ),
            due=None,
            evidence={
                "assessment_date": (
                    row["assessment_date"].isoformat() if row["assessment_date"] else None
                ),
                "last_review_date": (
                    row["last_review_date"].isoformat() if row["last_review_date"] else None
                ),
                "next_review": row["next_review"].isoformat(),
                "days_overdue": int(row["days_overdue"]),
            },
        )
        for row in ctx.query(SQL, **params(ctx.policy))
    ]


RULE = Rule(
    code="TPP-002",
    name="third_parties.overdue_review",
    severity="medium",
    clause=(
        "Before entering a contract with a third party supplier we evaluate their privacy and "
        "security credentials to ensure they are suitable."
    ),
    doc="""\
What it checks:
    Processors whose latest evaluation (the later of `assessment_date` and
    `last_review_date`) plus `[third_parties] review_months` (12) calendar months is
    before the London date of `as_of`. A processor with neither date is TPP-001 only.
    The review falling due today is not yet a finding.

    Key: `processor:<processor_id>`. No due date. Setting: `[third_parties]
    review_months` (default 12).

Why it matters:
    A supplier's security and privacy practice changes; an evaluation older than a year
    no longer shows it is still suitable (UK GDPR Art. 28 and 32).

Example finding:
    TPP-002 processor:P2 medium - Processor HostCo (hosting) last evaluated 2025-06-30;
    review was due 2026-06-30 (151 days ago)

How to fix:
    Re-evaluate the supplier and record `last_review_date`.
""",
    check=check,
)
