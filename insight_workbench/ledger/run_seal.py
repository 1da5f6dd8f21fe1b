"""The seal of a recorded run: the SHA-256 of everything recorded with it (its row, its
findings and its holdings), logged in the audit trail's entry for the run. History and
deletion certificates are read from those tables, outside the hash chains: with the seal
in the chained entry, `ledger verify` finds a run, finding or holding changed or removed
by hand.
"""

from __future__ import annotations

import hashlib
import json
import re

from sqlalchemy import Connection, select

from insight_workbench.ledger.chain import stored_by_hand
from insight_workbench.ledger.tables import findings, holdings, runs

# The audit entry of a run names it `run:ID` and its seal `run:ID:sha256:SEAL`.
SEAL_KEY = re.compile(r"run:(?P<run_id>[0-9a-f]{64}):sha256:(?P<seal>[0-9a-f]{64})")


def seal_key(run_id: str, seal: str) -> str:
    return f"run:{run_id}:sha256:{seal}"


def run_seal(connection: Connection, run_id: str) -> str | None:
    """The seal of run `run_id` as the ledger holds it now; None when it holds no such run."""
    run = connection.execute(select(runs).where(runs.c.run_id == run_id)).mappings().first()
    if run is None:
        return None
    found = connection.execute(select(findings).where(findings.c.run_id == run_id)).mappings()
    held = connection.execute(select(holdings).where(holdings.c.run_id == run_id)).mappings()
    body = {
        "run": dict(run),
        # Sorted here, not by the database: the backends' collations order text apart.
        "findings": sorted(
            (dict(f) for f in found), key=lambda f: (_text(f["rule"]), _text(f["key"]))
        ),
        "holdings": sorted((dict(h) for h in held), key=lambda h: _text(h["key"])),
    }
    text = json.dumps(
        body, sort_keys=True, ensure_ascii=True, separators=(",", ":"), default=stored_by_hand
    )
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _text(value: object) -> str:
    return value if isinstance(value, str) else stored_by_hand(value)


def sealed_runs(keys: list[str]) -> tuple[list[str], dict[str, str]]:
    """From a `run_recorded` entry's keys: the runs it names, and the seal of each sealed
    one (runs recorded before seals were logged have none)."""
    sealed = [m for k in keys if (m := SEAL_KEY.fullmatch(k))]
    seals = {m["run_id"]: m["seal"] for m in sealed}
    seal_keys = {m.group(0) for m in sealed}
    named = [k.removeprefix("run:") for k in keys if k.startswith("run:") and k not in seal_keys]
    return named, seals
