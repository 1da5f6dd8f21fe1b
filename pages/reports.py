"""Reports (DPO): the audit notebook runs under the reports folder, with their status and
their HTML reports."""

import streamlit as st

from insight_workbench.dashboard import reports, session

wb = session.current()
st.title("Reports")
folder = reports.reports_folder(session.APP_FILE.parent)
st.caption(
    "Runs of the audit notebooks (`insight-workbench report`). Reports hold personal data: "
    "prune old runs with `insight-workbench reports prune --older-than DAYS`."
)

found = reports.runs(folder)
if not found:
    st.info(
        "No report has been run yet. Run one with `insight-workbench report "
        "retention_audit --snapshot data/sample --out reports`."
    )
    st.stop()

frame = reports.runs_frame(found)
cols = st.columns(3)
cols[0].metric("Runs", len(frame))
cols[1].metric("Succeeded", int((frame["status"] == "succeeded").sum()))
cols[2].metric("Failed", int((frame["status"] == "failed").sum()))
st.dataframe(frame, hide_index=True, key="runs_table")

labels = [f"{r.notebook} · {r.record.get('start')} · {r.status}" for r in found]
chosen = st.selectbox(
    "Report", range(len(found)), format_func=lambda i: labels[i], key="report_run"
)
run = found[int(chosen or 0)]
if run.html is None:
    st.warning("This run has no HTML report.")
else:
    st.download_button(
        "Download the HTML report",
        run.html.read_bytes(),
        file_name=f"{run.notebook}-{run.folder.name}.html",
        mime="text/html",
        key="report_html",
    )
