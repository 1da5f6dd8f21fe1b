"""Communications and third parties (DPO): messages sent after an opt-out, how long an
opt-out took to take effect, and the processors register with assessment and review status."""

import streamlit as st

from insight_workbench import charts
from insight_workbench.dashboard import address, audit, records, session, tables
from insight_workbench.dashboard import communications as comms

wb = session.current()
st.title("Communications and third parties")

with st.spinner("Checking messages and the processors register…"):
    messages = session.cached(comms.after_opt_out, wb)
    register = session.cached(comms.processors, wb, records.decided("TPP"))
messages = comms.with_decisions(messages, records.decided("COM"))  # read on every run
facts, own_keys = comms.own_facts(wb, messages)  # a message no rule names: its own row
records.panel(wb, {"message": (facts, "message_id"), "processor": (register, "processor_id")})
messages = records.focus(messages, message="message_id")
per_opt_out = comms.latency(messages)
register = records.focus(register, processor="processor_id")
audit.viewed(wb, "communications", sorted({*comms.shown_keys(messages, register), *own_keys}))
cols = st.columns(4)
cols[0].metric("Messages sent after an opt-out", len(messages))
cols[1].metric("Opt-outs not honoured", len(per_opt_out))
cols[2].metric("Processors", len(register))
cols[3].metric("Processors needing action", int(register["action_needed"].sum()))

st.subheader("Messages sent after an opt-out")
grace = wb.policy.communications.opt_out_grace_hours
st.caption(f"Product updates and promotions only; grace period {grace} hours.")
if messages.empty:
    records.say_empty("No optional message was sent to anyone who had opted out.", clean=True)
else:
    kinds = sorted(messages["category"].unique())
    categories = st.multiselect(
        "Category", kinds, **address.bound("message_categories", "category", [], kinds, many=True)
    )
    shown = messages[messages["category"].isin(categories)] if categories else messages
    tables.show(shown, "messages_table", links=records.key_links(wb, "message_id", "message:"))

st.subheader("Opt-out latency")
st.caption(
    "For each opt-out that was not honoured: how long after it the last optional "
    "message of that category was sent."
)
if per_opt_out.empty:
    records.say_empty("Every opt-out took effect at once.", clean=True)
else:
    by_channel = comms.latency_by_channel(per_opt_out)
    st.plotly_chart(
        session.drawn(
            charts.bars,
            per_opt_out.assign(opt_out=per_opt_out["user_id"] + " " + per_opt_out["category"]),
            "opt_out",
            "days_to_last",
            "Days from each opt-out to the last message sent after it",
            "channel",
        ),
        key="latency_chart",
    )
    tables.show(by_channel, "latency_channel_table")
    tables.show(per_opt_out, "latency_table")

st.subheader("Processors register")
review = wb.policy.third_parties.review_months
st.caption(
    f"Each processor must be assessed before its contract starts and re-evaluated "
    f"every {review} months."
)
if register.empty:
    records.say_empty("The processors register is empty.")
else:
    tables.show(
        register, "processors_table", links=records.key_links(wb, "processor_id", "processor:")
    )
    soon = records.focus(session.cached(comms.reviews_due, wb, 90), processor="processor_id")
    if soon.empty:
        records.say_empty("No processor review falls due in the next 90 days.")
    else:
        st.markdown("**Reviews due in the next 90 days**")
        tables.show(
            soon, "reviews_table", links=records.key_links(wb, "processor_id", "processor:")
        )
