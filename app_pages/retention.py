"""Retention (DPO): closed and potential-customer organisations with due dates on a
timeline, overdue ones first, rows still held per table, and a CSV of the action list."""

import streamlit as st

from insight_workbench import charts
from insight_workbench.dashboard import audit, retention, session

wb = session.current()
st.title("Retention")
policy = wb.policy.retention
st.caption(
    f"User data must go {policy.closed_account_days} days after an account closes, and "
    f"{policy.potential_customer_months} months after the last contact with a demo or trial "
    "organisation. Exactly at the due instant is not yet overdue."
)

frame = session.cached(retention.status, wb)
if frame.empty:
    st.info("No closed, demo or trial organisation in this snapshot.")
    st.stop()

overdue = frame[frame["state"] == "overdue"]
cols = st.columns(4)
cols[0].metric("Organisations judged", len(frame))
cols[1].metric("Overdue for deletion", len(overdue))
cols[2].metric("Falling due later", int((frame["state"] == "upcoming").sum()))
cols[3].metric("Rows held past their due date", int(overdue["rows_held"].sum()))

states = st.multiselect(
    "Show", list(retention.STATES), default=["overdue", "upcoming"], key="retention_states"
)
shown = frame[frame["state"].isin(states)]
audit.viewed(wb, "retention", audit.keys("org", shown["org_id"]))
if shown.empty:
    st.info("No organisation in the chosen states.")
else:
    figure = charts.timeline(
        shown.assign(label=shown["org_id"] + " " + shown["name"]),
        "due_at",
        "label",
        "state",
        "Due dates",
        hover=["kind", "rows_held"],
    )
    figure.add_shape(
        type="line",
        x0=wb.as_of,
        x1=wb.as_of,
        y0=0,
        y1=1,
        yref="paper",
        line={"dash": "dash", "color": "grey"},
    )
    figure.add_annotation(
        x=wb.as_of, y=1, yref="paper", text="as of", showarrow=False, yanchor="bottom"
    )
    st.plotly_chart(figure, key="retention_timeline")
    st.dataframe(shown, hide_index=True, key="retention_table")

st.subheader("Rows still held")
held = retention.held_long(shown)
if held.empty:
    st.success("No personal data is held for these organisations.")
else:
    st.plotly_chart(
        charts.bars(held, "org_id", "rows", "Rows held per table", colour="table"), key="held_chart"
    )

st.download_button(
    "Download the action list (CSV)",
    retention.action_csv(frame),
    file_name=f"retention-actions-{wb.snapshot_id}.csv",
    mime="text/csv",
    disabled=overdue.empty,
    key="retention_csv",
    on_click=audit.on_click(wb, "csv_export", audit.keys("org", overdue["org_id"])),
    help="Organisations overdue for deletion, with the rows still held per table.",
)
