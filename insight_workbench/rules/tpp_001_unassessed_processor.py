"""TPP-001: a processor not assessed before its contract started."""

from __future__ import annotations

from typing import Any

from insight_workbench.findings import Finding
from insight_workbench.rules.base import Rule, RuleContext
from insight_workbench.timeutil import iso_day

SQL = "tpp_001_unassessed_processor.sql"


def describe(row: dict[str, Any]) -> str:
    who = f"Processor {row['name']} ({row['service']})"
    if row["assessment_date"] is None:
        return f"{who} has no privacy and security assessment on record"
    return (
        f"{who} was assessed {iso_day(row['assessment_date'])}, after its contract started "
        f"{iso_day(row['contract_start'])}"
    )


def check(ctx: RuleContext) -> list[Finding]:
    return [
        Finding(
            rule=RULE.code,
            key=f"processor:{row['processor_id']}",
            severity=RULE.severity,
            message=describe(row),
            due=None,
            evidence={
                "contract_start": row["contract_start"].isoformat(),
                "assessment_date": (
                    row["assessment_date"].isoformat() if row["assessment_date"] else None
                ),
            },
        )
        for row in ctx.query(SQL)
    ]


RULE = Rule(
    code="TPP-001",
    name="third_parties.assessment_before_contract",
    severity="high",
    clause=(
        "Before entering a contract with a third party supplier we evaluate their privacy and "
        "security credentials to ensure they are suitable."
    ),
    doc="""\
What it checks:
    Processors in the register whose `assessment_date` is empty, or later than their
    `contract_start`. Assessed on the day the contract starts is in time.

    Key: `processor:<processor_id>`. No due date. No setting.

Why it matters:
    The policy promises an evaluation before any contract, and UK GDPR Art. 28 requires
    using only processors with sufficient guarantees: data may have flowed to a supplier
    nobody had checked.

Example finding:
    TPP-001 processor:P4 high - Processor MailCo (email_delivery) was assessed
    2026-03-02, after its contract started 2026-01-15

How to fix:
    Carry out (or record) the privacy and security assessment now; make the assessment a
    gate of the procurement process.
""",
    check=check,
)
