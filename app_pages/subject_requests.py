"""Subject requests (DPO): open requests with days left, overdue and late ones, the deadline
rule explained, and a data pack (zip) for any person."""

import pandas as pd
import streamlit as st

from insight_workbench.dashboard import address, audit, figures, records, selection, session, tables
from insight_workbench.dashboard import subject_requests as sar
from insight_workbench.findings import plural

wb = session.current()
st.title("Subject requests")
rule = wb.policy.subject_requests
with st.expander("How the deadline is worked out", expanded=False):
    st.markdown(
        f"- Start from the {rule.local_date} the request arrived, or the date the identity "
        f"proof or fee asked for arrived (the clock starts then).\n"
        f"- Add {plural(rule.response_months, 'calendar month')} "
        f"({rule.extended_months} when the period was extended). Where that month has no "
        f"such day, take its last day (31 January + 1 month = 28 or 29 February).\n"
        f"- Asking the requester to clarify stops the clock: add the days from the date it was "
        f"asked for (or the start, if later) to the date the clarification arrived. While it "
        f"has not arrived the request is paused and has no due date.\n"
        f"- If that day is a Saturday, Sunday or a bank holiday in {rule.holiday_place}, "
        f"the next working day is the due date.\n"
        f"- An open request is overdue (SAR-001) once the {rule.local_date} of the as-of "
        f"time is after the due date; a request answered after it was late (SAR-002)."
    )

with st.spinner("Working out the deadlines…"):
    frame = session.cached(sar.deadlines, wb)
records.panel(wb, {"request": (frame, "request_id")})
frame = records.focus(frame, request="request_id")
# The requesters are shown beside their requests: both are logged, so a search of the
# trail by `user:` finds who looked at a person's requests.
viewed_keys = [*audit.keys("request", frame["request_id"]), *audit.keys("user", frame["user_id"])]
audit.viewed(wb, "subject_requests", viewed_keys)
waiting = sar.open_requests(frame)
paused = sar.paused_requests(frame)
late = records.with_decisions(
    sar.overdue_or_late(frame), records.decided("SAR"), "request_id", "request:", "finding"
)
cols = st.columns(5)
cols[0].metric("Requests", len(frame))
cols[1].metric("Open, within time", len(waiting))
cols[2].metric("Paused for clarification", len(paused))
cols[3].metric("Open and overdue", int((late["finding"] == "SAR-001").sum()))
cols[4].metric("Answered late", int((late["finding"] == "SAR-002").sum()))

st.subheader("Open requests")
if waiting.empty:
    records.say_empty("No open request is waiting within its time limit.")
else:
    days_left = session.drawn(figures.days_left, waiting).figure
    by_id = selection.by_label(waiting["request_id"])
    selection.chart(days_left, "days_left_chart", "request", "y", convert=by_id)
    waiting, requests = selection.narrow(waiting, "request_id", selection.chosen("request"))
    selection.clear_control("request", requests, "request", "requests_clear")
    tables.show(waiting, "open_table", links=records.key_links(wb, "request_id", "request:"))

st.subheader("Paused: waiting for a clarification")
if paused.empty:
    records.say_empty("No open request is waiting for a clarification.")
else:
    tables.show(paused, "paused_table", links=records.key_links(wb, "request_id", "request:"))

st.subheader("Overdue and late")
if late.empty:
    records.say_empty("No request is overdue or was answered late.", clean=True)
else:
    tables.show(late, "late_table", links=records.key_links(wb, "request_id", "request:"))

with st.expander("Every request with its deadline steps"):
    kinds = sorted(frame["type"].unique())
    types = st.multiselect(
        "Type", kinds, **address.bound("request_types", "type", [], kinds, many=True)
    )
    shown = frame[frame["type"].isin(types)] if types else frame
    tables.show(shown, "all_requests_table", links=records.key_links(wb, "request_id", "request:"))

st.subheader("Data pack for one person")
st.caption("Every row held about the person in every table, as JSON and spreadsheet-safe CSV.")
with st.form("pack_form"):
    picked = st.selectbox("A requester's account", ["", *sar.people(frame)], key="pack_user")
    by = st.radio(
        "Or find by",
        ["email", "user_id"],
        horizontal=True,
        key="pack_by",
        format_func=lambda k: "Email address" if k == "email" else "User id",
    )
    typed = st.text_input("Email address or user id", key="pack_value")
    typed = typed if typed.strip() else ""
    submitted = st.form_submit_button("Build the pack", type="primary")
if submitted:
    kind, value = (str(by), typed) if typed else ("user_id", str(picked or ""))
    if not value:
        st.warning("Choose an account or type an identifier.")
    else:
        st.session_state["sar_pack"] = (wb.snapshot_key, sar.pack(wb, kind, value))
        audit.audit_event(wb, "pack_build", st.session_state["sar_pack"][1].keys)
held = st.session_state.get("sar_pack")
if isinstance(held, tuple) and held[0] == wb.snapshot_key:
    built = held[1]
    if built.found:
        counts = pd.DataFrame(list(built.row_counts.items()), columns=["table", "rows"])
        tables.show(counts, "pack_counts")
    elif built.unread_rows:  # rows that could not be read may be this person's
        st.warning(
            "No data held about this person in the rows that could be read, but "
            f"{built.unread_rows} row(s) could not be read and may be theirs: read them "
            "(`insight-workbench validate` names them) before answering that no data is "
            "held. The pack says so."
        )
    else:
        st.info("No data held about this person in this snapshot; the pack says so.")
    records.warn_of_datasets_naming(built)
    st.download_button(
        "Download the pack (zip)",
        built.zip_bytes,
        file_name=built.file_name,
        mime="application/zip",
        key="pack_download",
        on_click=audit.on_click(wb, "pack_download", built.keys),
    )
