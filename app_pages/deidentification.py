"""De-identification (DPO): each dataset under `deidentified/`, its verdict per check, the
smallest equivalence classes and the offending columns. Values are masked, never shown."""

import streamlit as st

from insight_workbench.dashboard import address, figures, records, session, tables
from insight_workbench.dashboard import deidentification as deid
from insight_workbench.loading.raw_tables import shown
from insight_workbench.markdown_text import escape_markdown

wb = session.current()
st.title("De-identification")
st.caption(
    "Datasets the company treats as aggregated or de-identified. Offending columns are "
    "named; their values are never shown."
)

with st.spinner("Checking the de-identified datasets…"):
    verdicts = session.cached(deid.verdicts, wb)
records.know_datasets(verdicts["dataset"])  # before any key is read: a name may hold ":"
unjudged = session.cached(deid.not_judged, wb)
if unjudged and records.named() is None:
    listed = ", ".join(escape_markdown(shown(name)) for name in unjudged)  # the export's
    st.warning(
        f"Not judged: {listed}. The DEID checks read CSV and Parquet datasets only; "
        "a release in another form must be checked by hand or exported as CSV."
    )
unread = deid.unread(wb)
if unread and records.named() is None:
    listed = "; ".join(
        f"{escape_markdown(shown(file))} ({escape_markdown(why)})" for file, why in unread
    )
    st.warning(
        f"Not loaded, its rows not judged: {listed}. DEID-001 names the column by its "
        "position. A dataset needs a header row naming its columns; the values of that "
        "row are not shown."
    )
sources = {"dataset": (verdicts, "dataset"), "column": (verdicts, "dataset")}
records.panel(wb, sources, session.cached(deid.columns, wb))
verdicts = records.focus(verdicts, dataset="dataset", column="dataset")
if verdicts.empty:
    records.say_empty("This snapshot has no datasets under deidentified/.")
    st.stop()

failing = int((verdicts[deid.CHECKS] == "fail").any(axis=1).sum())
cols = st.columns(3)
cols[0].metric("Datasets", len(verdicts))
cols[1].metric("Failing at least one check", failing)
cols[2].metric("Passing every check", len(verdicts) - failing)

st.subheader("Verdict per check")
tables.show(verdicts, "verdicts_table", links=records.key_links(wb, "dataset", "dataset:"))

st.subheader("Offending columns")
offending = session.cached(deid.offending_columns, wb)
offending = deid.with_decisions(offending, records.decided())  # read on every run
offending = records.focus(offending, dataset="dataset", column="dataset")
offending = records.focus_column(offending)
if offending.empty:
    records.say_empty(
        "No column holds an identifier, an unsalted hash, a credential or a small cell, "
        "and no combination of values is shared by too few rows.",
        clean=True,
    )
else:
    tables.show(offending, "offending_table")

st.subheader("Equivalence classes (microdata)")
sizes = records.focus(session.cached(deid.class_sizes, wb), dataset="dataset", column="dataset")
if sizes.empty:
    records.say_empty("No microdata dataset: class sizes apply to one-row-per-person data only.")
else:
    names = sorted(sizes["dataset"].unique())  # one, when a key names a dataset
    chosen = st.selectbox(
        "Dataset", names, **address.bound("class_dataset", "dataset", names[0], names)
    )
    shown = sizes[sizes["dataset"] == chosen]
    chart = session.drawn(figures.class_sizes, shown, chosen, wb.policy.deidentification.k)
    st.plotly_chart(chart.figure, key="class_chart")
    st.caption(" ".join(chart.notes))
    smallest = session.cached(deid.smallest_classes, wb)
    tables.show(records.focus(smallest, dataset="dataset", column="dataset"), "smallest_table")
