"""Usage (DPO and analysts): analyst-safe data only; small cells are suppressed."""

import pandas as pd
import streamlit as st

from insight_workbench import charts
from insight_workbench.dashboard import address, session
from insight_workbench.dashboard import usage as views
from insight_workbench.loading.schema import PRODUCTS
from insight_workbench.markdown_text import escape_markdown

wb = session.current()
st.title("Usage")
if wb.key_problem:
    st.warning(escape_markdown(wb.key_problem))
    st.stop()
st.caption(
    "Pseudonymised, de-identified data: counts of fewer than "
    f"{wb.policy.deidentification.min_cell} people are shown as "
    f'"<{wb.policy.deidentification.min_cell}" and cells that would reveal them as "[c]"; '
    "gaps in a chart are such cells."
)

left, right = st.columns(2)
product = left.selectbox(
    "Product",
    ["All products", *PRODUCTS],
    **address.bound("usage_product", "product", "All products", ["All products", *PRODUCTS]),
    format_func=lambda p: p.replace("_", " ").capitalize(),
)
period = right.selectbox(
    "Period",
    list(views.PERIODS),
    **address.bound("usage_period", "period", next(iter(views.PERIODS)), list(views.PERIODS)),
)
chosen = None if product == "All products" else product
days = views.PERIODS[str(period)]


def table(name: str) -> pd.DataFrame:
    return session.cached(views.report, wb, name, chosen, days)


figures = session.cached(views.headline, wb)
cols = st.columns(5)
cols[0].metric("Users", figures["users"])
cols[1].metric("Active users, 30 days", figures["active_users_30d"])
cols[2].metric("Logins, 30 days", figures["logins_30d"])
cols[3].metric("Avg users per active org", figures["avg_users_per_active_org"])
cols[4].metric("Stickiness (DAU/MAU)", figures["stickiness"])
st.caption("Headline figures cover every product over the 30 days to the as-of date.")

tabs = st.tabs(["Activity", "Organisations", "Features", "Clients", "When", "Cohorts"])
with tabs[0]:
    active = table("active_users")
    st.plotly_chart(
        charts.lines(
            views.numeric(active, ["active_users"]), "period_start", "active_users", "Active users"
        ),
        key="active_chart",
    )
    sticky = table("stickiness")
    st.plotly_chart(
        charts.lines(
            views.numeric(sticky, ["stickiness"]), "day", "stickiness", "Stickiness (DAU / MAU)"
        ),
        key="sticky_chart",
    )
    st.dataframe(views.for_display(table("logins_per_user")), hide_index=True, key="logins_table")
with tabs[1]:
    orgs = table("active_organisations")
    st.plotly_chart(
        charts.bars(
            orgs, "product", "organisations", "Organisations by product and status", colour="status"
        ),
        key="orgs_chart",
    )
    st.dataframe(
        views.for_display(table("users_per_organisation")), hide_index=True, key="avg_table"
    )
    st.dataframe(views.for_display(table("dormant_accounts")), hide_index=True, key="dormant_table")
with tabs[2]:
    features = table("feature_usage")
    if features.empty:
        st.info("No usage events in this period.")
    else:
        st.plotly_chart(
            charts.bars(
                views.numeric(features, ["events"]),
                "event_type",
                "events",
                "Feature use",
                colour="product",
            ),
            key="features_chart",
        )
        st.dataframe(views.for_display(features), hide_index=True, key="features_table")
with tabs[3]:
    for name, column, title in (
        ("browser_share", "browser_family", "Browsers"),
        ("os_share", "os_family", "Operating systems"),
        ("referrer_domains", "referrer_domain", "Referrers"),
    ):
        frame = table(name)
        if frame.empty:
            st.info(f"{title}: no successful logins in this period.")
            continue
        st.plotly_chart(
            charts.bars(views.numeric(frame, ["logins"]), column, "logins", title, horizontal=True),
            key=f"{name}_chart",
        )
        st.dataframe(views.for_display(frame), hide_index=True, key=f"{name}_table")
with tabs[4]:
    hours = table("hour_of_week")
    st.plotly_chart(
        charts.heatmap(
            views.numeric(hours, ["logins"]),
            "hour",
            "weekday",
            "logins",
            "Logins by hour of week (London time; 1 = Monday)",
        ),
        key="hours_chart",
    )
with tabs[5]:
    cohorts = table("cohort_retention")
    if cohorts.empty:
        st.info("No cohorts in this period.")
    else:
        st.plotly_chart(
            charts.heatmap(
                views.numeric(cohorts, ["retention"]),
                "months_since",
                "cohort",
                "retention",
                "Monthly cohort retention",
            ),
            key="cohort_chart",
        )
        st.dataframe(views.for_display(cohorts), hide_index=True, key="cohort_table")
