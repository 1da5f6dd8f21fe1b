"""Access monitoring (DPO): failed-login bursts over time, logins after closure or deletion,
user-list views by anyone not a group admin of the organisation listed."""

import streamlit as st

from insight_workbench.dashboard import (
    access,
    address,
    audit,
    figures,
    records,
    selection,
    session,
    tables,
)

wb = session.current()
st.title("Access monitoring")
policy = wb.policy.access

with st.spinner("Checking logins and user-list views…"):
    bursts = session.cached(access.bursts, wb)
    late = session.cached(access.late_logins, wb)
    views = session.cached(access.outside_views, wb)
decided = records.decided("ACC")  # exceptions and owners: read on every run
bursts, late, views = access.with_decisions(bursts, late, views, decided)
sources = {"login": (late, "login_id"), **access.burst_sources(bursts), "view": (views, "view_id")}
shown = access.own_facts(wb, sources)  # a record no section names: its own row
late = records.focus(late, login="login_id", user="user_id")
bursts = access.burst_focus(bursts)
no_burst_of_the_record = bursts.empty  # before the chart's pick narrows them further
views = records.focus(views, view="view_id", user="viewer_user_id")
records.panel(wb, sources, listed_below=not (late.empty and views.empty))
audit.viewed(wb, "access", sorted({*access.shown_keys(bursts, late, views), *shown}))
cols = st.columns(4)
cols[0].metric("Accounts with a failed-login burst", int((bursts["kind"] == "account").sum()))
cols[1].metric("IPs with a failed-login burst", int((bursts["kind"] == "ip").sum()))
cols[2].metric("Logins after closure or deletion", len(late))
cols[3].metric(
    "Views by non-admins",  # whole in a quarter of the page
    len(views),
    help="User-list views by anyone who is not a group admin of the organisation listed: "
    "a user of another organisation, or one of its own without the role (ACC-005)",
)

st.subheader("Failed logins over time")
st.caption(
    f"A burst is {policy.failed_logins_per_account} or more failures on one account, or "
    f"{policy.failed_logins_per_ip} or more from one IP, within {policy.window_minutes} minutes."
)
grain = st.segmented_control(
    "Per",
    ["day", "hour"],
    format_func=lambda g: "day" if g == "day" else "hour of the day",
    **address.bound("access_grain", "per", "day", ["day", "hour"]),
)
per = str(grain or "day")
st.caption(
    "A day a burst falls in is coloured whole: its other failures too."
    if per == "day"
    else "Each hour of the day adds up every day: the failures of hours a burst fell in "
    "are coloured, stacked on the others."
)
with st.spinner("Counting failed logins…"):
    failed = session.cached(access.failed_over_time, wb, per)
periods: list[str] = []
if failed.empty:
    st.success("No failed logins in this snapshot.")
else:
    chart = session.drawn(figures.failed_logins, failed, per)
    selection.chart(chart.figure, "failed_chart", per, "x", convert=selection.day_of)
    for note in chart.notes:
        st.caption(note)
    bursts, periods = access.bursts_in(
        bursts, selection.chosen(per), per, access.periods_of(failed, per)
    )
    selection.clear_control(per, periods, "day" if per == "day" else "hour", "failed_clear")
if bursts.empty:
    records.say_empty(access.no_bursts_said(not periods), narrowed=no_burst_of_the_record)
else:
    links = records.key_links(wb, "subject", access.burst_prefixes(bursts))
    tables.show(bursts, "bursts_table", links=links)

st.subheader("Logins after closure or deletion")
if late.empty:
    records.say_empty(
        "No successful login after an organisation closed or an account was deleted.",
        clean=True,
    )
else:
    tables.show(late, "late_table", links=records.key_links(wb, "login_id", "login:"))

st.subheader("User-list views by anyone not a group admin of that organisation")
if views.empty:
    records.say_empty("Every user-list view was by a group admin of that organisation.", clean=True)
else:
    tables.show(views, "views_table", links=records.key_links(wb, "view_id", "view:"))
