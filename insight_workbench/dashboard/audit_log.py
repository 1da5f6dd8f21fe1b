"""Audit log (DPO): the workbench's own audit trail, filtered, and whether its chain holds.

Read fresh on every run (never cached): the log is what happened up to now.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from insight_workbench.dashboard.session import Workbench
from insight_workbench.errors import InputError
from insight_workbench.ledger import audit_trail
from insight_workbench.ledger.database import open_ledger
from insight_workbench.ledger.instants import shown

SHOWN_ENTRIES = 5000  # a table and its download; more are said, never dropped silently
COLUMNS = ["entry", "at", "who", "role", "action", "what", "keys", "snapshot_id"]
# Each action in words (the trail keeps the code, which `ledger` and docs/ledger.md name).
ACTION_WORDS = {
    "sign_in": "signed in",
    "role": "opened a session in this role",
    "page_view": "viewed a page of records",
    "pack_build": "built a subject-access pack",
    "pack_download": "downloaded a subject-access pack",
    "csv_export": "downloaded a CSV file",
    "report_run": "ran a report",
    "report_download": "downloaded a report",
    "certificate_download": "downloaded a deletion certificate",
    "decision": "recorded a decision",
    "run_recorded": "recorded a run of the rules",
}


def _dpo_only(wb: Workbench) -> None:
    if not wb.is_dpo:
        raise PermissionError("the audit log is for the DPO only")


def entries(
    wb: Workbench,
    who: str | None,
    actions: list[str],
    key: str | None,
    days: tuple[date, date] | None,
) -> tuple[pd.DataFrame, bool]:
    """Entries newest first, filtered by who, actions, one record key and UTC days: the
    newest `SHOWN_ENTRIES`, and whether more match."""
    _dpo_only(wb)
    since, until = days if days else (None, None)
    if since and until and since > until:
        raise InputError("Dates: the first day is after the last")
    # As typed, as the trail wrote it (ids are kept as written, spaces at their ends
    # included); then, when that finds nothing, without the spaces around it (pasted).
    typed = [key, key.strip()] if key and key.strip() else [None]
    keys = [audit_trail.loggable_key(text) if text else None for text in dict.fromkeys(typed)]
    keys = [k for k in keys if k is None or audit_trail.KEY.fullmatch(k)]
    if not keys:
        raise InputError("Key: give one record key, such as org:O17 or request:R8")
    for logged in keys:
        found = audit_trail.entries(
            open_ledger(),
            who=who or None,
            actions=actions,
            key=logged,
            since=since,
            until=until,
            limit=SHOWN_ENTRIES + 1,
        )
        if found:
            break
    more, found = len(found) > SHOWN_ENTRIES, found[:SHOWN_ENTRIES]
    rows = [
        [
            e.seq,
            shown(e.at),
            e.who,
            e.role,
            e.action,
            ACTION_WORDS.get(e.action, e.action),
            ", ".join(e.object_keys),
            e.snapshot_id,
        ]
        for e in found
    ]
    return pd.DataFrame(rows, columns=COLUMNS), more


def people(wb: Workbench) -> list[str]:
    _dpo_only(wb)
    return audit_trail.people(open_ledger())


def chains(wb: Workbench) -> list[audit_trail.ChainState]:
    """Each chain with its first break (what `ledger verify` reports)."""
    _dpo_only(wb)
    return audit_trail.verify(open_ledger())
