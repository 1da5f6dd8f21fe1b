"""The rule registry: every rule of docs/rules.md, registered explicitly in one list.

To add a rule: write `rules/<family>_<nnn>_<name>.py` (its declaration) and, for
a SQL rule, `sql/<same name>.sql`; add one line to `RULES` below, its test
`tests/rules/test_<family>_<nnn>.py` and its planted case (`@plant` in
`sample/planted.py`); then `make docs` and `make sample`. CONTRIBUTING.md has the recipe.
"""

from __future__ import annotations

from insight_workbench.rules import (
    acc_001_login_after_closure,
    acc_002_login_after_deletion,
    acc_003_account_failed_login_burst,
    acc_004_ip_failed_login_burst,
    acc_005_user_list_outside_organisation,
    com_001_sent_after_opt_out,
    deid_001_direct_identifier,
    deid_002_unsalted_hash,
    deid_003_small_equivalence_class,
    deid_004_small_cell,
    dq_001_quarantined_row,
    ret_001_closed_account,
    ret_002_potential_customer,
    ret_003_erasure_not_done,
    ret_004_orphaned_personal_data,
    sar_001_overdue_open_request,
    sar_002_answered_late,
    sec_001_credential_column,
    tpp_001_unassessed_processor,
    tpp_002_overdue_review,
)
from insight_workbench.rules.base import (
    FAMILIES,
    Rule,
    RuleContext,
    family_label,
    family_of,
    registry,
    run_rules,
    select_rules,
)

RULES: list[Rule] = [
    ret_001_closed_account.RULE,
    ret_002_potential_customer.RULE,
    ret_003_erasure_not_done.RULE,
    ret_004_orphaned_personal_data.RULE,
    sar_001_overdue_open_request.RULE,
    sar_002_answered_late.RULE,
    com_001_sent_after_opt_out.RULE,
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
    tpp_001_unassessed_processor.RULE,
    tpp_002_overdue_review.RULE,
    dq_001_quarantined_row.RULE,
]

REGISTRY = registry(RULES)

__all__ = [
    "FAMILIES",
    "REGISTRY",
    "RULES",
    "Rule",
    "RuleContext",
    "family_label",
    "family_of",
    "run_rules",
    "select_rules",
]
