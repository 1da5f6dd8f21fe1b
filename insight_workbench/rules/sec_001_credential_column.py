"""SEC-001: a credential column (password, secret, token) in an export file."""

from __future__ import annotations

from insight_workbench.findings import Finding
from insight_workbench.rules.base import Rule, RuleContext

SQL = "sec_001_credential_column.sql"


def check(ctx: RuleContext) -> list[Finding]:
    return [
        Finding(
            rule=RULE.code,
            key=f"column:{row['table_name']}:{row['column_name']}",
            severity=RULE.severity,
            message=(
                f"Credential column '{row['column_name']}' is present in the "
                f"{row['table_name']} export"
            ),
            due=None,
            evidence={
                "table": row["table_name"],
                "column": row["column_name"],
                "file": row["file"],
            },
        )
        for row in ctx.query(SQL)
    ]


RULE = Rule(
    code="SEC-001",
    name="security.credential_column",
    severity="high",
    clause=(
        "We take various steps to protect information you provide to us from loss, misuse, "
        "unauthorised access and disclosure."
    ),
    doc="""\
What it checks:
    Every column of every export file, de-identified datasets included, whose name
    contains `password`, `passwd`, `secret` or `token` (any case). The workbench
    never loads such a column; it only reports that it is there. For a dataset
    the table is `deidentified/<name>`. A Parquet column holding a nested field so
    named (a struct's `auth.password_hash`) is not loaded either, whole, and the
    finding names the field by its path.

    Key: `column:<table>:<column>`. No due date. No setting.

Why it matters:
    Passwords (even hashed), API secrets and session tokens must never leave the
    platform in an export: anyone holding the file could take over accounts.

Example finding:
    SEC-001 column:users:password_hash high - Credential column 'password_hash' is
    present in the users export

How to fix:
    Remove the column from the export job, delete every copy of the file, and
    rotate the credentials it held.
""",
    check=check,
)
