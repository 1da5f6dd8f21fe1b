"""The rule registry: every rule of spec/rules.md, registered explicitly in one list.

To add a rule: write `rules/<family>_<nnn>_<name>.py` (its declaration) and, for
a SQL rule, `rules/sql/<same name>.sql`; then add one line to `RULES` below.
"""

from __future__ import annotations

from insight_workbench.rules.base import Rule, RuleContext, registry, run_rules, select_rules

RULES: list[Rule] = []

REGISTRY = registry(RULES)

__all__ = ["REGISTRY", "RULES", "Rule", "RuleContext", "run_rules", "select_rules"]
