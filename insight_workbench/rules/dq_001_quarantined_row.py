"""DQ-001: a data row that was quarantined while loading."""

from __future__ import annotations

from insight_workbench.findings import Finding
from insight_workbench.rules.base import Rule, RuleContext

SQL = "dq_001_quarantined_row.sql"


def check(ctx: RuleContext) -> list[Finding]:
    return [
        Finding(
            rule=RULE.code,
            key=f"row:{row['table_name']}:{row['row_number']}",
            severity=RULE.severity,
            message=(
                f"Row {row['row_number']} of {row['table_name']} was quarantined "
                f"({'; '.join(row['problems'])})"
            ),
            due=None,
            evidence={"columns": list(row["columns"]), "reasons": list(row["reasons"])},
        )
        for row in ctx.query(SQL)
    ]


RULE = Rule(
    code="DQ-001",
    name="data_quality.quarantined_row",
    severity="medium",
    clause="Investigate and resolve any technical issues",
    doc="""\
What it checks:
    Every data row the loader quarantined (`rejects`): a value that does not parse,
    a bad enum, a NULL in a required column, a duplicate primary key, a repeated
    `users.email` (trimmed and lower-cased), a clarification received before it was
    asked for, or a record that cannot be read at all (wrong field count, broken
    quoting, bad encoding).
    Row n is the n-th data record of the file (header not counted). The evidence
    names the columns and reasons, never the value.

    Key: `row:<table>:<n>`. No due date. No setting.

Why it matters:
    A quarantined row is missing from every other check: a violation in it would
    go unseen. It may also be personal data the export mangled.

Example finding:
    DQ-001 row:logins:57 medium - Row 57 of logins was quarantined (ts: not a valid
    timestamp)

How to fix:
    Correct the export at its source and export again; do not edit the snapshot by
    hand, since its manifest checksums would no longer match.
""",
    check=check,
)
