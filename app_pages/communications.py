"""Communications and third parties (DPO): messages sent after an opt-out, how long an
opt-out took to take effect, and the processors register with assessment and review status."""

import streamlit as st

from insight_workbench import charts
from insight_workbench.dashboard import audit, session
from insight_workbench.dashboard import communications as comms

wb = session.current()
st.title("Communications and third parties")

messages = session.cached(comms.after_opt_out, wb)
per_opt_out = comms.latency(messages)
register = session.cached(comms.processors, wb)
audit.viewed(wb, "communications", comms.shown_keys(messages, register))
cols = st.columns(4)
cols[0].metric("Messages sent after an opt-out", len(messages))
cols[1].metric("Opt-outs not honoured", len(per_opt_out))
cols[2].metric("Processors", len(register))
cols[3].metric("Processors needing action", int((register["status"] != "in order").sum()))

st.subheader("Messages sent after an opt-out")
grace = wb.policy.communications.opt_out_grace_hours
st.caption(f"Product updates and promotions only; grace period {grace} hours.")
if messages.empty:
    st.success("No optional message was sent to anyone who had opted out.")
else:
    categories = st.multiselect(
        "Category", sorted(messages["category"].unique()), key="message_categories"
    )
    shown = messages[messages["category"].isin(categories)] if categories else messages
    st.dataframe(shown, hide_index=True, key="messages_table")

st.subheader("Opt-out latency")
st.caption(
    "For each opt-out that was not honoured: how long after it the last optional "
    "message of that category was sent."
)
if per_opt_out.empty:
    st.success("Every opt-out took effect at once.")
else:
    by_channel = comms.latency_by_channel(per_opt_out)
    st.plotly_chart(
        charts.bars(
            per_opt_out.assign(opt_out=per_opt_out["user_id"] + " " + per_opt_out["category"]),
            "opt_out",
            "days_to_last",
            "Days from each opt-out to the last message sent after it",
            colour="channel",
        ),
        key="latency_chart",
    )
    st.dataframe(by_channel, hide_index=True, key="latency_channel_table")
    st.dataframe(per_opt_out, hide_index=True, key="latency_table")

st.subheader("Processors register")
review = wb.policy.third_parties.review_months
st.caption(
    f"Each processor must be assessed before its contract starts and re-evaluated "
    f"every {review} months."
)
if register.empty:
    st.info("The processors register is empty.")
else:
    st.dataframe(register, hide_index=True, key="processors_table")
    soon = session.cached(comms.reviews_due, wb, 90)
    if soon.empty:
        st.info("No processor review falls due in the next 90 days.")
    else:
        st.markdown("**Reviews due in the next 90 days**")
        st.dataframe(soon, hide_index=True, key="reviews_table")
