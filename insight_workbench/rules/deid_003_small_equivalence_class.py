"""DEID-003: microdata in which some quasi-identifier combination is shared by < k rows."""

from __future__ import annotations

from insight_workbench.deidentification import assessment as deid
from insight_workbench.findings import Finding, plural
from insight_workbench.rules.base import Rule, RuleContext


def check(ctx: RuleContext) -> list[Finding]:
    k = ctx.policy.deidentification.k
    layouts = {layout.name: layout for layout in deid.prepare(ctx)}
    small: dict[str, list[tuple[int, int]]] = {}
    for row in deid.class_size_counts(ctx):  # a few rows per dataset: one per class size
        if row["size"] < k:
            small.setdefault(row["dataset"], []).append((int(row["size"]), int(row["classes"])))
    findings = []
    for name, sizes in sorted(small.items()):
        classes = sum(count for _, count in sizes)
        findings.append(
            Finding(
                rule=RULE.code,
                key=f"dataset:{name}",
                severity=RULE.severity,
                message=(
                    f"De-identified dataset {name}: {plural(classes, 'combination')} of "
                    f"quasi-identifiers {'is' if classes == 1 else 'are'} shared by fewer "
                    f"than {k} rows (smallest: {sizes[0][0]})"
                ),
                due=None,
                evidence={
                    "k": k,
                    "smallest_class": sizes[0][0],
                    "classes_below_k": classes,
                    "rows_in_classes_below_k": sum(size * count for size, count in sizes),
                    "quasi_identifiers": list(layouts[name].quasi_identifiers),
                },
            )
        )
    return findings


RULE = Rule(
    code="DEID-003",
    name="deidentification.small_equivalence_class",
    severity="high",
    clause=(
        "Use aggregated / de-identified data so that it can no longer be associated to an "
        "identifiable user"
    ),
    doc="""\
What it checks:
    Every microdata dataset under `deidentified/` (one row per individual, from the
    sidecar or inferred): the rows are grouped by their quasi-identifier values
    (from the sidecar, else the non-numeric columns), and every group must hold at
    least k rows (k-anonymity, k = 10 by default, `[deidentification] k`). An empty
    value is a value of its own; a row with every quasi-identifier empty is left
    out. One finding per dataset; the values of the small groups are never shown.

    Key: `dataset:<name>`. No due date. Setting: `[deidentification] k` (default 10).

Why it matters:
    A person who is the only one (or one of very few) with a given combination of
    organisation, month, role or postcode can be picked out by anyone who knows
    those facts about them: the dataset is not de-identified.

Example finding:
    DEID-003 dataset:user_activity high - De-identified dataset user_activity: 7
    combinations of quasi-identifiers are shared by fewer than 10 rows (smallest: 1)

How to fix:
    Generalise the quasi-identifiers (month to quarter, exact role to group),
    suppress the rare combinations, or publish an aggregate instead.
""",
    check=check,
)
