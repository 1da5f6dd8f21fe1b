"""Usage (DPO and analysts): analyst-safe data only; small cells are suppressed."""

import pandas as pd
import streamlit as st

from insight_workbench import charts
from insight_workbench.dashboard import address, figures, selection, session, tables
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
    format_func=views.product_name,
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


def notes(chart: figures.Chart) -> None:
    if chart.notes:
        st.caption(" ".join(chart.notes))


min_cell = wb.policy.deidentification.min_cell
with st.spinner("Working out the headline figures…"):
    headline = session.cached(views.headline, wb, chosen, days)
window = str(period).removeprefix("Last ")
cols = st.columns(5)
cols[0].metric("Users", headline["users"])
cols[1].metric(f"Active users, {window}", headline["active_users_30d"])
cols[2].metric(f"Logins, {window}", headline["logins_30d"])
cols[3].metric("Avg users per active org", headline["avg_users_per_active_org"])
cols[4].metric("Stickiness (DAU/MAU)", views.as_percent(headline["stickiness"]))
st.caption(
    f"For {'every product' if chosen is None else views.product_name(chosen)}. Users and "
    "organisations as exported; stickiness is always the last day's users over the last "
    "30 days' users, whatever the period."
)

tabs = st.tabs(["Activity", "Organisations", "Features", "Clients", "When", "Cohorts"])
with tabs[0]:
    with st.spinner(f"Counting active users over the {window}…"):
        grain = views.grain_for(days)
        active = table("active_users")
        weekly = grain == "day" and figures.mostly_suppressed(active, "active_users")
        if weekly:
            grain, active = "week", session.cached(views.weekly_active_users, wb, chosen, days)
        chart = session.drawn(figures.active_users, active, grain, wb.as_of, min_cell, weekly)
    st.plotly_chart(chart.figure, key="active_chart")
    notes(chart)
    with st.spinner("Working out stickiness…"):
        chart = session.drawn(figures.stickiness, table("stickiness"), wb.as_of)
    st.plotly_chart(chart.figure, key="sticky_chart")
    notes(chart)
    with st.spinner("Counting logins per user…"):
        tables.show(views.for_display(table("logins_per_user")), "logins_table")
with tabs[1], st.spinner("Counting organisations and accounts…"):
    orgs = table("active_organisations")
    st.plotly_chart(
        session.drawn(
            charts.bars,
            views.with_product_names(orgs),
            "product",
            "organisations",
            "Organisations by product and status",
            "status",
        ),
        key="orgs_chart",
    )
    tables.show(views.for_display(table("users_per_organisation")), "avg_table")
    tables.show(views.for_display(table("dormant_accounts")), "dormant_table")
with tabs[2]:
    with st.spinner("Counting feature use…"):
        features = table("feature_usage")
    if features.empty:
        st.info("No usage events in this period.")
    else:
        figure = session.drawn(
            charts.bars,
            views.with_product_names(views.numeric(features, ["events"])),
            "event_type",
            "events",
            "Feature use",
            "product",
        )
        selection.chart(figure, "features_chart", "feature", "x")
        features, kept = selection.narrow(features, "event_type", selection.chosen("feature"))
        selection.clear_control("feature", kept, "feature", "features_clear")
        tables.show(views.for_display(features), "features_table")
with tabs[3]:
    for name, column, title in (
        ("browser_share", "browser_family", "Browsers"),
        ("os_share", "os_family", "Operating systems"),
        ("referrer_domains", "referrer_domain", "Referrers"),
    ):
        with st.spinner(f"Counting logins by {title.lower()}…"):
            frame = table(name)
        if frame.empty:
            st.info(f"{title}: no successful logins in this period.")
            continue
        figure = session.drawn(
            charts.bars, views.numeric(frame, ["logins"]), column, "logins", title, None, True
        )
        selection.chart(figure, f"{name}_chart", column, "y")
        frame, kept = selection.narrow(frame, column, selection.chosen(column))
        selection.clear_control(column, kept, title.lower().rstrip("s"), f"{name}_clear")
        tables.show(views.for_display(frame), f"{name}_table")
with tabs[4]:
    with st.spinner("Counting logins by day and hour…"):
        chart = session.drawn(figures.hour_of_week, table("hour_of_week"))
    st.plotly_chart(chart.figure, key="hours_chart")
with tabs[5]:
    with st.spinner("Following monthly cohorts…"):
        cohorts = table("cohort_retention")
    if cohorts.empty:
        st.info("No cohorts in this period.")
    else:
        chart = session.drawn(figures.cohorts, cohorts)
        st.plotly_chart(chart.figure, key="cohort_chart")
        st.caption(
            f"Cohorts of the last {views.cohort_months(days)} months (at least three, so "
            "that a cohort can be followed). " + " ".join(chart.notes)
        )
        tables.show(views.for_display(cohorts), "cohort_table")
