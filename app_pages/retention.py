"""Retention (DPO): closed and potential-customer organisations with due dates on a
timeline, overdue ones first, rows still held per table, and a CSV of the action list."""

import streamlit as st

from insight_workbench.dashboard import (
    address,
    audit,
    figures,
    records,
    retention,
    selection,
    session,
    tables,
)

wb = session.current()
st.title("Retention")
policy = wb.policy.retention
st.caption(
    f"User data must go {policy.closed_account_days} days after an account closes, and "
    f"{policy.potential_customer_months} months after the last contact with a demo or trial "
    "organisation. Exactly at the due instant is not yet overdue."
)

with st.spinner("Judging retention…"):
    frame = session.cached(retention.status, wb)
    people = session.cached(retention.person_findings, wb)
decided = records.decided("RET")  # exceptions (a legal hold) and owners: read on every run
frame = records.with_decisions(frame, decided, "org_id", "org:")
people = records.with_decisions(people, decided)
org = records.selected("org")
users = (  # whose data an organisation's counts are: each account, its rows per table
    session.cached(retention.users_held, wb, org) if org is not None and wb.is_dpo else None
)
listed = users is not None and not users.empty
records.panel(wb, {"org": (frame, "org_id"), "user": (people, "user_id")}, listed_below=listed)
if users is not None:
    st.markdown(f"**Users whose data is held: {len(users)}**")
    if not users.empty:
        audit.viewed(wb, "retention", audit.keys("user", users["user_id"]))
        tables.show(users, "org_users_table", links=records.key_links(wb, "user_id", "user:"))
frame = records.focus(frame, org="org_id")
if users is not None:  # an organisation's record: its users' erasures left undone too
    people = people[people["user_id"].isin(users["user_id"])]
else:
    people = records.focus(people, user="user_id", request="request_id")
if frame.empty:
    records.say_empty("No closed, demo or trial organisation in this snapshot.")

overdue = frame[frame["state"] == "overdue"]
# An organisation both closed and a potential customer has a row per rule: count it once.
cols = st.columns(4)
cols[0].metric("Organisations judged", frame["org_id"].nunique())
cols[1].metric("Overdue for deletion", overdue["org_id"].nunique())
cols[2].metric("Falling due later", frame.loc[frame["state"] == "upcoming", "org_id"].nunique())
cols[3].metric(
    "Rows held past their due date",
    int(overdue.drop_duplicates("org_id")["rows_held"].sum()),
)

states = st.multiselect(
    "Show",
    list(retention.STATES),
    **address.bound(
        "retention_states",
        "show",
        ["overdue", "due now", "upcoming"],
        options=retention.STATES,
        many=True,
    ),
)
shown = frame[frame["state"].isin(states)]
people_shown = [
    *audit.keys("request", people["request_id"]),
    *audit.keys("user", people["user_id"]),
]
audit.viewed(wb, "retention", [*audit.keys("org", shown["org_id"]), *people_shown])
if shown.empty:
    records.say_empty("No organisation in the chosen states.", narrowed=frame.empty)
else:
    figure = session.drawn(figures.due_dates, shown, wb.as_of).figure
    selection.chart(figure, "retention_timeline", "org", "customdata")
    picked, orgs = selection.narrow(shown, "org_id", selection.chosen("org"))
    selection.clear_control("org", orgs, "organisation", "retention_clear")
    tables.show(picked, "retention_table", links=records.key_links(wb, "org_id", "org:"))

st.subheader("Rows still held")
held = retention.held_long(shown)
if held.empty:
    records.say_empty(
        "No personal data is held for these organisations.", clean=True, narrowed=frame.empty
    )
else:
    figure = session.drawn(figures.rows_held, held).figure
    selection.chart(figure, "held_chart", "org", "x", convert=selection.by_label(held["org_id"]))

st.subheader("People's data still held")
st.caption(
    "RET-003: an erasure request marked completed while the person's data is still held. "
    "RET-004: personal data left behind for a user id that has no users row."
)
if people.empty:
    records.say_empty("No erasure left undone and no data left without its user.", clean=True)
else:
    tables.show(people, "people_table", links=records.key_links(wb))

st.download_button(
    "Download the action list (CSV)",
    retention.action_csv(frame, people),
    file_name=f"retention-actions-{tables.file_name_part(wb.snapshot_id)}.csv",
    mime="text/csv",
    disabled=overdue.empty and people.empty,
    key="retention_csv",
    on_click=audit.on_click(
        wb, "csv_export", [*audit.keys("org", overdue["org_id"]), *people.get("key", [])]
    ),
    help="Organisations overdue for deletion and people whose data is still held, with "
    "the rows still held per table.",
)
