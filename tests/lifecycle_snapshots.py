"""Four monthly exports in which findings appear, persist, are fixed and come back,
and a fifth checked with the retention rules only (shared by the lifecycle, history
and decide tests).

    export  TPP-001 P1   TPP-001 P4   TPP-001 P5   RET-004 U9   RET-004 U8
    E1      found        -            -            found        -
    E2      found        found        -            found        -
    E3      fixed        found        -            found        -
    E4      found again  found        found        fixed        -
    E5      (not run)    (not run)    (not run)    -            found     (RET rules only)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from insight_workbench.ledger.database import open_ledger
from insight_workbench.ledger.runs import record_run
from insight_workbench.loading.snapshot import load_snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules.runner import CheckResult, run_check
from insight_workbench.testing import build_snapshot

E1, E2, E3, E4, E5 = (
    "2026-01-05T02:00:00Z",
    "2026-02-05T02:00:00Z",
    "2026-03-05T02:00:00Z",
    "2026-04-05T01:00:00Z",
    "2026-05-05T01:00:00Z",
)
EXPORTS = (E1, E2, E3, E4, E5)
RECORDING_ORDER = (E3, E1, E4, E2)  # not the export order: the ledger sorts them
ONLY_RET = E5

P1 = ("TPP-001", "processor:P1")
P4 = ("TPP-001", "processor:P4")
P5 = ("TPP-001", "processor:P5")
U9 = ("RET-004", "user:U9")
U8 = ("RET-004", "user:U8")


def _processor(processor_id: str, assessed: bool) -> dict[str, Any]:
    return {
        "processor_id": processor_id,
        "name": f"Supplier {processor_id}",
        "service": "hosting",
        "data_categories": "name;email",
        "contract_start": "2025-12-15",
        "assessment_date": "2025-12-10" if assessed else None,
    }


def _login(login_id: str, user_id: str) -> dict[str, Any]:
    # A login of a user with no `users` row: RET-004 for that user.
    return {
        "login_id": login_id,
        "ts": "2025-12-20T09:00:00Z",
        "user_id": user_id,
        "success": True,
        "ip": "192.0.2.1",
    }


def _tables(export: str) -> dict[str, list[dict[str, Any]]]:
    n = EXPORTS.index(export) + 1
    processors = [
        _processor("P1", assessed=n == 3),
        _processor("P2", assessed=True),
        *([_processor("P4", assessed=False)] if n >= 2 else []),
        *([_processor("P5", assessed=False)] if n >= 4 else []),
    ]
    logins = [_login("L9", "U9")] if n <= 3 else []
    logins += [_login("L8", "U8")] if n == 5 else []
    return {"processors": processors, "logins": logins}


def build_results(folder: Path) -> dict[str, CheckResult]:
    """The check of each export, by `exported_at`; E5 runs the RET rules only."""
    results = {}
    for export in EXPORTS:
        path = build_snapshot(folder / export[:10], _tables(export), exported_at=export)
        snapshot = load_snapshot(path)
        prefixes = ["RET"] if export == ONLY_RET else None
        results[export] = run_check(snapshot, load_policy(), prefixes=prefixes)
    return results


def record(setting: str, results: dict[str, CheckResult], exports: tuple[str, ...]) -> None:
    ledger = open_ledger(setting)
    for export in exports:
        record_run(ledger, results[export], source="cli", by="dpo@example.org")
