"""The app's entries in the audit trail (`ledger.audit_trail`): one call per event.

    audit.session_opened(wb)                                   # the router, each run
    audit.viewed(wb, "retention", audit.keys("org", shown["org_id"]))  # identifiable rows shown
    st.download_button(..., on_click=audit.on_click(wb, "csv_export", keys))

Entries name who (the signed-in address; the OS user for the local tool), the role,
the snapshot id and record keys, never a value. A page view is logged once per session
for the same page, snapshot and keys: a rerun that shows the same rows adds nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from typing import Any

import streamlit as st

from insight_workbench.dashboard.session import Identity, Workbench, logged_callback
from insight_workbench.ledger import audit_trail
from insight_workbench.ledger.database import acting_user, open_ledger
from insight_workbench.ledger.runs import record_run
from insight_workbench.rules.runner import CheckResult

SEEN = "_audit_seen"  # session state: digests of the page views already logged
SIGNED = "_audit_identity"  # session state: the (who, role) already logged


def who(identity: Identity) -> str:
    return identity.who if identity.signed_in else acting_user()


def keys(kind: str, values: Iterable[Any]) -> list[str]:
    """`kind:id` for each id shown (empty and missing ids left out)."""
    return [f"{kind}:{value}" for value in values if isinstance(value, str) and value]


def audit_event(wb: Workbench, action: str, object_keys: Iterable[str] = ()) -> None:
    """Append an entry for this session's user. IP keys (ACC-004) are left out: an
    address is personal data, and the page key still says what was seen."""
    kept = [audit_trail.loggable_key(key) for key in object_keys if not key.startswith("ip:")]
    audit_trail.log(open_ledger(), who(wb.identity), wb.role, action, kept, wb.snapshot_id or None)


def session_opened(wb: Workbench) -> None:
    """`sign_in` (or `role` for the local tool) once per session, and `role` again if the
    session's role changes (the roles file was edited)."""
    current = (who(wb.identity), wb.role)
    logged = st.session_state.get(SIGNED)
    if logged == current:
        return
    first = logged is None and wb.identity.signed_in
    audit_event(wb, "sign_in" if first else "role")
    st.session_state[SIGNED] = current


def viewed(wb: Workbench, page: str, shown: Iterable[str]) -> None:
    """A view of identifiable records: the page and the keys of the records shown."""
    object_keys = sorted({f"page:{page}", *shown})
    digest = hashlib.sha256(
        json.dumps([page, wb.snapshot_key, str(wb.as_of), object_keys]).encode()
    ).hexdigest()
    seen: set[str] = st.session_state.setdefault(SEEN, set())
    if digest in seen:
        return
    audit_event(wb, "page_view", object_keys)
    seen.add(digest)


def on_click(wb: Workbench, action: str, object_keys: Iterable[str] = ()) -> Callable[[], None]:
    """A download button's `on_click`: the entry is written when the file is taken."""
    kept = list(object_keys)
    return logged_callback(lambda: audit_event(wb, action, kept))


def record_judged(wb: Workbench, result: CheckResult) -> None:
    """Record a run the app judged (source `app`; recording it again changes nothing)."""
    record_run(open_ledger(), result, source="app", by=who(wb.identity), role=wb.role)
