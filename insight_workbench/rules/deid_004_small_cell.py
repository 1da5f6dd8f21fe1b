"""DEID-004: an aggregate count below the minimum cell size."""

from __future__ import annotations

from insight_workbench.deidentification import assessment as deid
from insight_workbench.findings import Finding, plural
from insight_workbench.rules.base import Rule, RuleContext


def check(ctx: RuleContext) -> list[Finding]:
    deid.prepare(ctx)
    min_cell = ctx.policy.deidentification.min_cell
    return [
        Finding(
            rule=RULE.code,
            key=f"dataset:{row['dataset']}:{row['column_name']}",
            severity=RULE.severity,
            message=(
                f"Count column '{row['column_name']}' of aggregate dataset {row['dataset']} "
                f"has {plural(int(row['cells']), 'cell')} between 1 and {min_cell - 1}"
            ),
            due=None,
            evidence={"cells_below_min_cell": int(row["cells"]), "min_cell": min_cell},
        )
        for row in deid.small_cells(ctx)
    ]


RULE = Rule(
    code="DEID-004",
    name="deidentification.small_cell",
    severity="medium",
    clause=(
        "Use aggregated / de-identified data so that it can no longer be associated to an "
        "identifiable user"
    ),
    doc="""\
What it checks:
    Every count column of every aggregate dataset under `deidentified/` (from the
    sidecar, else integer columns named like a count: `count`, `n`, `n_*`,
    `*_count`, `*_users`, `users`, `total`): a count of at least 1 and below the
    minimum cell size (10 by default, the ONS threshold, `[deidentification]
    min_cell`) is a finding. Zero is fine; empty and non-numeric cells are ignored.
    One finding per column.

    Key: `dataset:<name>:<column>`. No due date. Setting: `[deidentification] min_cell`
    (default 10).

Why it matters:
    A published count of 1 to 9 people lets a reader who knows some of them infer
    facts about the rest: small cells are where aggregates leak personal data.

Example finding:
    DEID-004 dataset:active_users_by_org:active_users medium - Count column
    'active_users' of aggregate dataset active_users_by_org has 4 cells between 1
    and 9

How to fix:
    Suppress or round the small cells (e.g. show "<10"), or merge groups until
    every cell reaches the minimum size.
""",
    check=check,
)
