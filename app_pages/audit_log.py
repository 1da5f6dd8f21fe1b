"""Audit log (DPO): who signed in, viewed identifiable records, built or downloaded packs,
exported CSV files, ran reports and recorded decisions; filtered by who, action, key and
date, with the state of the hash chains."""

from datetime import timedelta

import streamlit as st

from insight_workbench.dashboard import audit, session, tables
from insight_workbench.dashboard import audit_log as log
from insight_workbench.ledger.audit_trail import ACTIONS
from insight_workbench.ledger.instants import now

wb = session.current()
st.title("Audit log")
st.caption(
    "The workbench's own record of what was done with it: who, as which role, which "
    "records (by key) and which snapshot, never a value. Entries are hash-chained: a "
    "changed or missing entry breaks the chain, and this page names where."
)
audit.viewed(wb, "audit_log", [])

states = log.chains(wb)
cols = st.columns(len(states))
for col, state in zip(cols, states, strict=True):
    verdict = "intact" if state.broken is None else f"broken at entry {state.broken.seq}"
    col.metric(  # the verdict in words: no arrow, it is no rise or fall
        f"{state.name.capitalize()}: entries",
        state.entries,
        verdict,
        delta_color="off",
        delta_arrow="off",
    )
for state in states:
    if state.broken is not None:
        st.error(f"The {state.name} is broken at entry {state.broken.seq}: {state.broken.problem}.")

today = now().date()
left, middle, right, last = st.columns(4)
who = left.selectbox("Who", ["Everyone", *log.people(wb)], key="audit_who")
actions = middle.multiselect(
    "Action", ACTIONS, key="audit_actions", format_func=lambda a: log.ACTION_WORDS.get(a, a)
)
key = right.text_input("Record key", key="audit_key", placeholder="org:O17")
days = last.date_input("Days (UTC)", (today - timedelta(days=30), today), key="audit_days")

chosen = (days[0], days[-1]) if isinstance(days, tuple | list) and days else None
frame, more = log.entries(wb, None if who == "Everyone" else str(who), actions, key, chosen)
if more:
    st.warning(
        f"Showing the newest {log.SHOWN_ENTRIES:,} of the entries that match, and the download "
        "holds those: narrow the days or the filters to see the older ones."
    )
if frame.empty:
    st.info("No entry matches these filters.")
else:
    # London times, worded columns; the download (UTC) is for an auditor, and is logged.
    tables.show(frame, "audit_table", file_name=f"audit-log-{today.isoformat()}")
