"""Running the rules over a snapshot: the library behind `insight-workbench check`.

result = run_check(open_snapshot("data/sample"), load_policy())
result.findings          # list[Finding], sorted by rule then key
result.as_dict()         # the JSON document of `check --format json` (docs/cli.md)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from insight_workbench.findings import Finding
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.policy import Policy
from insight_workbench.progress import OnStep
from insight_workbench.rules import RULES, Rule, run_rules, select_rules
from insight_workbench.timeutil import format_utc, to_utc


@dataclass(frozen=True)
class CheckResult:
    snapshot: Snapshot
    policy: Policy
    as_of: datetime  # UTC
    rules: list[Rule]  # the rules that ran, by code
    findings: list[Finding]  # sorted by rule then key

    @property
    def by_rule(self) -> dict[str, int]:
        """Findings per rule code, for the rules that found something."""
        return dict(sorted(Counter(f.rule for f in self.findings).items()))

    def as_dict(self) -> dict[str, Any]:
        """The JSON document of `check --format json` (docs/cli.md)."""
        manifest = self.snapshot.manifest
        return {
            "snapshot": {
                "path": str(self.snapshot.path),
                "snapshot_id": manifest.snapshot_id,
                "exported_at": manifest.exported_at_iso,
            },
            "as_of": format_utc(self.as_of),
            "policy": self.policy.as_dict(),
            "findings": [f.as_dict() for f in self.findings],
            "summary": {
                "findings": len(self.findings),
                "by_rule": self.by_rule,
                "rows_loaded": self.snapshot.rows_loaded,
                "rows_rejected": self.snapshot.rows_rejected,
            },
        }


def run_check(
    snapshot: Snapshot,
    policy: Policy,
    as_of: datetime | None = None,
    prefixes: Sequence[str] | None = None,
    on_step: OnStep | None = None,
) -> CheckResult:
    """Run every rule (or those whose code starts with one of `prefixes`) at `as_of`
    (default: the snapshot's `exported_at`; a naive `as_of` is UTC).
    An unknown prefix raises `InputError`. `on_step` hears of each rule once it has run."""
    moment = to_utc(as_of or snapshot.manifest.exported_at)
    rules = rules_to_run(prefixes)
    findings = run_rules(snapshot, policy, moment, rules, on_step)
    return CheckResult(snapshot, policy, moment, rules, findings)


def rules_to_run(prefixes: Sequence[str] | None = None) -> list[Rule]:
    """The rules `run_check` runs for `prefixes` (every rule when none), by code."""
    return select_rules(sorted(RULES, key=lambda r: r.code), prefixes)
