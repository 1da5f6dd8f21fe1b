"""Recording a `check` run: the snapshot's identity, `as_of`, the policy, every finding
with its evidence, and what the snapshot held of each organisation and erasure request.

    recorded = record_run(open_ledger(), run_check(snapshot, policy), source="cli")

A run is identified by the snapshot's manifest, `as_of`, the policy values and the
rules that ran: recording the same run again changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from insight_workbench import __version__
from insight_workbench.deadlines.due_dates import held_evidence, params, prepare
from insight_workbench.ledger.audit_trail import append_entry
from insight_workbench.ledger.database import Ledger, acting_user, reading, writing
from insight_workbench.ledger.instants import now, stored
from insight_workbench.ledger.run_seal import run_seal, seal_key
from insight_workbench.ledger.tables import findings, held_key, held_snapshot_id, holdings, runs
from insight_workbench.rules.runner import CheckResult
from insight_workbench.sql import query


@dataclass(frozen=True)
class RecordedRun:
    run_id: str
    recorded: bool  # False when the same run was already in the ledger


def run_identity(result: CheckResult) -> str:
    """SHA-256 of what makes two runs the same run."""
    return identity_of(
        result.snapshot.manifest.checksum,
        result.as_of,
        result.policy.as_dict(),
        [rule.code for rule in result.rules],
    )


def identity_of(
    manifest_sha256: str, as_of: datetime, policy: dict[str, Any], rules: Sequence[str]
) -> str:
    """The id of the run that would judge that snapshot at `as_of` with those policy
    values and rules: known before any rule runs."""
    body = json.dumps(
        {
            "manifest_sha256": manifest_sha256,
            "as_of": stored(as_of),
            "policy": policy,  # the rule settings only
            "rules": list(rules),
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def is_recorded(ledger: Ledger, run_id: str) -> bool:
    """True when the ledger already holds the run `run_id`."""
    with reading(ledger) as connection:
        return _exists(connection, run_id)


def record_run(
    ledger: Ledger,
    result: CheckResult,
    source: str,
    by: str | None = None,
    role: str = "cli",
) -> RecordedRun:
    """Record `result` in the ledger (once: a repeat changes nothing), with a
    `run_recorded` entry in the audit trail naming who recorded it, as which role, and
    the run's seal (`run_seal`: what was recorded, for `ledger verify`)."""
    run_id = run_identity(result)
    by = by or acting_user()
    if is_recorded(ledger, run_id):  # the common repeat, known without reading holdings
        return RecordedRun(run_id, recorded=False)
    held = snapshot_holdings(result)  # read before the write lock is taken
    with writing(ledger) as connection:
        if _exists(connection, run_id):
            return RecordedRun(run_id, recorded=False)
        connection.execute(runs.insert().values(**_run_row(result, run_id, source, by)))
        if result.findings:
            connection.execute(
                findings.insert(),
                [
                    {
                        "run_id": run_id,
                        "rule": f.rule,
                        "key": held_key(f.key),
                        "severity": f.severity,
                        "due": f.due,
                        "message": f.message,
                        "evidence": json.dumps(f.evidence, sort_keys=True, default=str),
                    }
                    for f in result.findings
                ],
            )
        if held:
            connection.execute(
                holdings.insert(),
                [{"run_id": run_id, **row, "key": held_key(row["key"])} for row in held],
            )
        snapshot_id = result.snapshot.manifest.snapshot_id
        sealed = seal_key(run_id, run_seal(connection, run_id) or "")
        append_entry(connection, by, role, "run_recorded", [f"run:{run_id}", sealed], snapshot_id)
    return RecordedRun(run_id, recorded=True)


def snapshot_holdings(result: CheckResult) -> list[dict[str, Any]]:
    """Rows held per table of each organisation and erasure request holding any, and
    of those with a due date holding none."""
    cursor = result.snapshot.cursor()
    prepare(cursor, result.policy)
    rows = query(cursor, "ledger_holdings.sql", **params(result.policy), as_of=result.as_of)
    return [
        {
            "key": row["key"],
            "rule": row["rule"],
            "due": stored(row["due_at"]) if row["due_at"] is not None else None,
            "rows": json.dumps(held_evidence(row), sort_keys=True),
        }
        for row in rows
    ]


def _exists(connection: Connection, run_id: str) -> bool:
    found = connection.execute(select(runs.c.run_id).where(runs.c.run_id == run_id)).first()
    return found is not None


def _run_row(result: CheckResult, run_id: str, source: str, by: str) -> dict[str, Any]:
    manifest = result.snapshot.manifest
    return {
        "run_id": run_id,
        "snapshot_id": held_snapshot_id(manifest.snapshot_id),
        "manifest_sha256": manifest.checksum,
        "exported_at": stored(manifest.exported_at),
        "as_of": stored(result.as_of),
        "policy": json.dumps(result.policy.as_dict(), sort_keys=True, default=str),
        "rules": json.dumps([rule.code for rule in result.rules]),
        "workbench_version": __version__,
        "recorded_at": stored(now()),
        "recorded_by": by,
        "source": source,
    }
