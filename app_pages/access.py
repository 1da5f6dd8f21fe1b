"""Access monitoring (DPO): failed-login bursts over time, logins after closure or deletion,
user-list views outside the viewer's organisation."""

import streamlit as st

from insight_workbench import charts
from insight_workbench.dashboard import access, audit, session

wb = session.current()
st.title("Access monitoring")
policy = wb.policy.access

bursts = session.cached(access.bursts, wb)
late = session.cached(access.late_logins, wb)
views = session.cached(access.outside_views, wb)
audit.viewed(wb, "access", access.shown_keys(bursts, late, views))
cols = st.columns(4)
cols[0].metric("Accounts with a failed-login burst", int((bursts["kind"] == "account").sum()))
cols[1].metric("IPs with a failed-login burst", int((bursts["kind"] == "ip").sum()))
cols[2].metric("Logins after closure or deletion", len(late))
cols[3].metric("User-list views outside the organisation", len(views))

st.subheader("Failed logins over time")
st.caption(
    f"A burst is {policy.failed_logins_per_account} or more failures on one account, or "
    f"{policy.failed_logins_per_ip} or more from one IP, within {policy.window_minutes} minutes."
)
grain = st.segmented_control("Per", ["day", "hour"], default="day", key="access_grain")
failed = session.cached(access.failed_over_time, wb, str(grain or "day"))
if failed.empty:
    st.success("No failed logins in this snapshot.")
else:
    st.plotly_chart(
        charts.bars(
            failed.assign(burst=failed["in_burst"].map({True: "in a burst", False: "other"})),
            "period",
            "failed_logins",
            f"Failed logins per {grain or 'day'} (UTC)",
            colour="burst",
            colours={"in a burst": "#c0392b", "other": "#7f8c8d"},
        ),
        key="failed_chart",
    )
if bursts.empty:
    st.info("No account or IP reached the burst threshold.")
else:
    st.dataframe(bursts, hide_index=True, key="bursts_table")

st.subheader("Logins after closure or deletion")
if late.empty:
    st.success("No successful login after an organisation closed or an account was deleted.")
else:
    st.dataframe(late, hide_index=True, key="late_table")

st.subheader("User-list views outside the organisation")
if views.empty:
    st.success("Every user-list view was by a group admin of that organisation.")
else:
    st.dataframe(views, hide_index=True, key="views_table")
