"""The rule registry: every rule of spec/rules.md, registered explicitly in one list.

To add a rule: write `rules/<family>_<nnn>_<name>.py` (its declaration) and, for
a SQL rule, `rules/sql/<same name>.sql`; then add one line to `RULES` below.
"""

from __future__ import annotations

from insight_workbench.rules import (
    acc_001_login_after_closure,
    acc_002_login_after_deletion,
    acc_003_account_failed_login_burst,
    acc_004_ip_failed_login_burst,
    acc_005_user_list_outside_organisation,
    deid_001_direct_identifier,
    deid_002_unsalted_hash,
    deid_003_small_equivalence_class,
    deid_004_small_cell,
    dq_001_quarantined_row,
    sec_001_credential_column,
)
from insight_workbench.rules.base import Rule, RuleContext, registry, run_rules, select_rules

RULES: list[Rule] = [
    acc_001_login_after_closure.RULE,
    acc_002_login_after_deletion.RULE,
    acc_003_account_failed_login_burst.RULE,
    acc_004_ip_failed_login_burst.RULE,
    acc_005_user_list_outside_organisation.RULE,
    deid_001_direct_identifier.RULE,
    deid_002_unsalted_hash.RULE,
    deid_003_small_equivalence_class.RULE,
    deid_004_small_cell.RULE,
    sec_001_credential_column.RULE,
    dq_001_quarantined_row.RULE,
]

REGISTRY = registry(RULES)

__all__ = ["REGISTRY", "RULES", "Rule", "RuleContext", "run_rules", "select_rules"]
