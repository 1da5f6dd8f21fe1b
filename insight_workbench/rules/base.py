"""What a rule is, and how rules are run over a loaded snapshot."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from insight_workbench.errors import InputError
from insight_workbench.findings import SEVERITIES, Finding, sort_findings
from insight_workbench.loading.context import SnapshotContext, snapshot_context
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.policy import Policy
from insight_workbench.progress import OnStep, Steps

DOC_SECTIONS = ("What it checks", "Why it matters", "Example finding", "How to fix")

# Rule families: the prefix of a rule's code, and the name every view gives it.
FAMILIES: dict[str, str] = {
    "RET": "Retention",
    "SAR": "Subject requests",
    "COM": "Communications",
    "ACC": "Access",
    "DEID": "De-identification",
    "SEC": "Security",
    "TPP": "Third parties",
    "DQ": "Data quality",
}


def family_of(code: str) -> str:
    """The family prefix of a rule code: `RET` for `RET-001`."""
    return code.split("-", 1)[0]


def family_label(code: str) -> str:
    """The name of the family of a rule code: `Retention` for `RET-001`."""
    return FAMILIES[family_of(code)]


# What a rule sees: one cursor of the snapshot, the policy, `as_of`.
RuleContext = SnapshotContext


@dataclass(frozen=True)
class Rule:
    code: str  # stable, e.g. "RET-001"
    name: str  # dotted, e.g. "retention.closed_account"
    severity: str
    clause: str  # the privacy-policy sentence it enforces
    doc: str  # sections: What it checks / Why it matters / Example finding / How to fix
    check: Callable[[RuleContext], list[Finding]]

    @property
    def family(self) -> str:
        return family_of(self.code)

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(
                f"{self.code}: family {self.family} has no label in FAMILIES "
                "(insight_workbench/rules/base.py): add one for a new family"
            )
        if self.severity not in SEVERITIES:
            raise ValueError(f"{self.code}: unknown severity {self.severity!r}")
        missing = [s for s in DOC_SECTIONS if s + ":" not in self.doc]
        if missing:
            raise ValueError(f"{self.code}: docstring lacks sections {missing}")


def registry(rules: Iterable[Rule]) -> dict[str, Rule]:
    """Index rules by code; a duplicate code is an error at import."""
    found: dict[str, Rule] = {}
    for rule in rules:
        if rule.code in found:
            raise ValueError(f"duplicate rule code {rule.code}")
        found[rule.code] = rule
    return found


def select_rules(rules: Sequence[Rule], prefixes: Sequence[str] | None) -> list[Rule]:
    """Rules whose code starts with one of `prefixes` (all when none); unknown is an error."""
    if not prefixes:
        return list(rules)
    chosen = []
    for prefix in prefixes:
        matched = [r for r in rules if r.code.upper().startswith(prefix.upper())]
        if not matched:
            raise InputError(f"--rule {prefix}: no rule code starts with it")
        chosen += [r for r in matched if r not in chosen]
    return sorted(chosen, key=lambda r: r.code)


def run_rules(
    snapshot: Snapshot,
    policy: Policy,
    as_of: datetime,
    rules: Sequence[Rule],
    on_step: OnStep | None = None,
) -> list[Finding]:
    """Every finding of `rules` over `snapshot`, sorted by rule then key; `on_step` hears
    of each rule once it has run (its code is the label)."""
    steps = Steps(len(rules), on_step)
    findings: list[Finding] = []
    with snapshot_context(snapshot, policy, as_of) as context:
        for rule in rules:
            findings += rule.check(context)
            steps.finished(rule.code)
    return sort_findings(findings)
