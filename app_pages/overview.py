"""Overview: findings by family and severity, what is overdue and what falls due, load status.
Analysts see counts only, never a key."""

import streamlit as st

from insight_workbench import charts
from insight_workbench.dashboard import audit, overview, session

wb = session.current()
st.title("Overview")

with st.spinner("Running the rules…"):
    counts = session.cached(overview.finding_counts, wb)
with st.spinner("Working out what falls due…"):
    due = session.cached(overview.due_counts, wb)
high = int(counts.loc[counts["severity"] == "high", "findings"].sum())

cols = st.columns(5)
cols[0].metric("Findings", int(counts["findings"].sum()))
cols[1].metric("High severity", high)
for col, days in zip(cols[2:], overview.HORIZONS, strict=True):
    col.metric(f"Due within {days} days", due[days])

if counts.empty:
    st.success("No findings: every rule passes on this snapshot.")
else:
    st.plotly_chart(charts.findings_by_family(counts), key="findings_chart")

if wb.is_dpo:
    audit.viewed(wb, "overview", session.cached(overview.shown_keys, wb))
    st.subheader("Overdue now")
    with st.spinner("Running the rules…"):
        late = session.cached(overview.overdue, wb)
    if late.empty:
        st.success("Nothing is overdue.")
    else:
        st.dataframe(late, hide_index=True, key="overdue_table")

    st.subheader("Falls due next")
    horizon = st.segmented_control(
        "Within", overview.HORIZONS, default=30, key="horizon", format_func=lambda d: f"{d} days"
    )
    soon = session.cached(overview.upcoming, wb, int(horizon or 30))
    if soon.empty:
        st.info(f"Nothing falls due in the next {horizon or 30} days.")
    else:
        st.dataframe(soon, hide_index=True, key="upcoming_table")

    with st.expander("All findings"):
        st.dataframe(session.cached(overview.findings_table, wb), hide_index=True)
else:
    st.dataframe(counts, hide_index=True, key="counts_table")

st.subheader("Load status")
loads = overview.load_status(wb)
rejected = int(loads["rows_rejected"].sum())
if rejected:
    st.warning(f"{rejected} rows were quarantined at load (see the DQ-001 findings).")
st.dataframe(loads, hide_index=True, key="load_table")
