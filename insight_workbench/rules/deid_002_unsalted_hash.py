"""DEID-002: an unsalted hash of an email or user id inside a de-identified dataset."""

from __future__ import annotations

from insight_workbench.deidentification import assessment as deid
from insight_workbench.findings import Finding
from insight_workbench.rules.base import Rule, RuleContext


def check(ctx: RuleContext) -> list[Finding]:
    deid.prepare(ctx)
    return [
        Finding(
            rule=RULE.code,
            key=f"dataset:{row['dataset']}:{row['column_name']}",
            severity=RULE.severity,
            message=(
                f"Column '{row['column_name']}' of de-identified dataset {row['dataset']} "
                f"holds unsalted hashes of identifiers ({', '.join(row['hashes'])}) "
                f"in {row['cells']} cells"
            ),
            due=None,
            evidence={"cells": int(row["cells"]), "hashes": list(row["hashes"])},
        )
        for row in deid.hashed_columns(ctx)
    ]


RULE = Rule(
    code="DEID-002",
    name="deidentification.unsalted_hash",
    severity="high",
    clause=(
        "Use aggregated / de-identified data so that it can no longer be associated to an "
        "identifiable user"
    ),
    doc="""\
What it checks:
    Every value (trimmed, hex in either case) of every dataset under
    `deidentified/` against the MD5, SHA-1 and SHA-256 of every held
    `users.email` (trimmed and lower-cased, and also trimmed as written) and
    `users.user_id` (trimmed, as written and lower-cased). Lower-cased letter by
    letter and, for text beyond ASCII, with Unicode's special casing too (a final
    `Σ` as `ς`), as either may have been hashed. In a Parquet column of structs,
    maps or lists, each value inside a cell is compared so. One finding per column.

    Key: `dataset:<name>:<column>`. No due date. No setting.

Why it matters:
    Hashing a known identifier without a secret key is not de-identification:
    anyone with a list of emails or ids can hash them and match the rows back to
    people.

Example finding:
    DEID-002 dataset:events_export:user_hash high - Column 'user_hash' of
    de-identified dataset events_export holds unsalted hashes of identifiers
    (SHA-256 of email) in 480 cells

How to fix:
    Replace the hashes by a keyed pseudonym (HMAC with a secret held apart) or
    drop the column, then regenerate and re-share the dataset.
""",
    check=check,
)
