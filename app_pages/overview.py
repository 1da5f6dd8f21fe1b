"""Overview: findings by family and severity, what is overdue and what falls due, load status.
Analysts see counts only, never a key."""

import streamlit as st

from insight_workbench import charts
from insight_workbench.dashboard import (
    address,
    audit,
    overview,
    records,
    rule_words,
    session,
    tables,
)
from insight_workbench.errors import InputError
from insight_workbench.markdown_text import escape_markdown

wb = session.current()
st.title("Overview")
records.panel(wb)

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
    st.plotly_chart(
        session.drawn(charts.findings_by_family, counts, rule_words.by_family()),
        key="findings_chart",
    )
with st.expander("What each rule checks"):
    st.markdown(rule_words.catalogue())

if wb.is_dpo:
    audit.viewed(wb, "overview", session.cached(overview.shown_keys, wb))
    st.subheader("Overdue now")
    decided = records.decided()  # exceptions (a legal hold) and owners: read on every run
    with st.spinner("Running the rules…"):
        late = records.with_decisions(session.cached(overview.overdue, wb), decided)
        late = records.focus_on_key(late)
    if late.empty:
        records.say_empty("Nothing is overdue.", clean=True)
    else:
        st.caption(overview.triage_said(late))
        tables.show(late, "overdue_table", links=records.key_links(wb))

    st.subheader("Falls due next")
    horizon = st.segmented_control(
        "Within",
        overview.HORIZONS,
        format_func=lambda d: f"{d} days",
        **address.bound("horizon", "within", 30, options=overview.HORIZONS, cast=int),
    )
    soon = records.focus_on_key(session.cached(overview.upcoming, wb, int(horizon or 30)))
    if soon.empty:
        records.say_empty(f"Nothing falls due in the next {horizon or 30} days.")
    else:
        if said := overview.due_now_said(soon):
            st.caption(said)
        tables.show(soon, "upcoming_table", links=records.key_links(wb))

    with st.expander("All findings"):
        every = records.with_decisions(session.cached(overview.findings_table, wb), decided)
        shown = records.focus_on_key(every)  # the download keeps every finding
        tables.show(shown, "findings_table", links=records.key_links(wb))
        st.download_button(
            "Download every finding (CSV)",
            records.findings_csv(every),
            file_name=f"findings-{tables.file_name_part(wb.snapshot_id)}.csv",
            mime="text/csv",
            key="findings_csv",
            on_click=audit.on_click(wb, "csv_export", tables.export_keys(every)),
        )

    st.subheader("Since the previous recorded run")
    try:
        said, changed, here = overview.since_previous_run(wb)
        trend = overview.recorded_trend(wb)
    except InputError as error:  # a ledger changed by hand: said, and the page goes on
        st.error(escape_markdown(error))
    else:
        every_change, changed = changed, records.focus_on_key(changed)
        st.caption(said)
        if changed.empty and not every_change.empty:  # narrowed away by the address's key
            records.say_empty("No finding changed since the previous recorded run.")
        if not changed.empty:
            changes = st.columns(4)
            for col, change in zip(changes, ("new", "reopened", "resolved"), strict=False):
                col.metric(change.capitalize(), int((changed["change"] == change).sum()))
            # Excepted counts every finding an exception covers, new ones included.
            changes[3].metric("Excepted", int((changed["state"] == "excepted").sum()))
            links = records.key_links(wb) if here else None  # else keys of another export
            tables.show(changed, "changes_table", links=links)
        if trend["exported_at"].nunique() > 1:
            st.plotly_chart(
                session.drawn(
                    charts.lines,
                    trend,
                    "exported_at",
                    "findings",
                    "Findings in each recorded run",
                    "family",
                ),
                key="trend_chart",
            )
else:
    tables.show(counts, "counts_table")

st.subheader("Load status")
loads = overview.load_status(wb)
rejected = int(loads["rows_rejected"].sum())
if rejected:
    st.warning(f"{rejected} rows were quarantined at load (see the DQ-001 findings).")
tables.show(loads, "load_table")
if wb.is_dpo and (unread := session.cached(overview.not_read, wb)):
    listed = "; ".join(f"{escape_markdown(name)} ({escape_markdown(why)})" for name, why in unread)
    st.warning(f"Not read: {listed}.")
