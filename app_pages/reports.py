"""Reports (DPO): the audit notebook runs under the reports folder, with their status and
their HTML reports."""

import streamlit as st
import streamlit.components.v1 as components

from insight_workbench.dashboard import audit, reports, session, tables
from insight_workbench.errors import InputError
from insight_workbench.markdown_text import escape_markdown
from insight_workbench.reports import MONTHLY_SET
from insight_workbench.reports.background import start_run
from insight_workbench.reports.report_html import inline_shared_script
from insight_workbench.timeutil import format_utc

RUNNABLE = [*MONTHLY_SET, "usage_report"]
JOB, JOB_ERROR = "report_job", "report_job_error"

wb = session.current()
st.title("Reports")
folder = reports.reports_folder(wb.base)
st.caption(
    "Runs of the audit notebooks: each report judges a snapshot as of a time. Reports hold "
    "personal data, so old runs are deleted on a schedule."
)
scan = reports.runs(folder)

with st.expander("Run a report now", expanded=not scan.runs):
    with st.form("run_report"):
        chosen_notebook = st.selectbox("Notebook", RUNNABLE, key="run_notebook")
        chosen_as_of = st.text_input("As of", format_utc(wb.as_of), key="run_as_of")
        start = st.form_submit_button("Run now", disabled=JOB in st.session_state)
    if start and JOB not in st.session_state:  # a second click before the redraw: one run
        try:
            st.session_state[JOB] = start_run(
                str(chosen_notebook),
                wb.snapshot.path,
                folder,
                chosen_as_of.strip() or None,
                acting=(audit.who(wb.identity), wb.role),
            )
        except InputError as error:
            st.error(escape_markdown(reports.in_app_words(str(error))))


@st.fragment(run_every=2)
def progress() -> None:
    """The background run's progress, polled every two seconds."""
    job = st.session_state.get(JOB)
    if job is None:
        return
    if job.running:
        st.status(job.status(), state="running")
        return
    code = job.finish()
    del st.session_state[JOB]
    if code == 0:
        st.toast(f"{job.notebook} finished")
    else:
        st.session_state[JOB_ERROR] = job.errors.strip().splitlines()[-1:] or ["failed"]
    st.rerun()


progress()
for line in st.session_state.pop(JOB_ERROR, []):
    st.error(escape_markdown(line))

scan = reports.runs(folder)  # again: a run may have finished since
for skipped in scan.skipped:
    st.warning(
        f"Not shown: {escape_markdown(str(skipped.path.relative_to(folder)))} is {skipped.reason}."
    )
found = scan.runs
if not found:
    st.info("No report has been run yet: choose a notebook above and run it now.")
    st.stop()

frame = reports.runs_frame(found)
cols = st.columns(3)
cols[0].metric("Runs", len(frame))
cols[1].metric("Succeeded", int((frame["status"] == "succeeded").sum()))
cols[2].metric("Failed", int((frame["status"] == "failed").sum()))
tables.show(frame, "runs_table")

# The run's folder tells two runs of one second apart (`…Z` and `…Z-2`): the selector
# takes each label for one run.
labels = [f"{r.notebook} · {r.folder.name} · {r.status}" for r in found]
chosen = st.selectbox(
    "Report", range(len(found)), format_func=lambda i: labels[i], key="report_run"
)
run = found[int(chosen or 0)]
html = None if run.problem else run.read_html()  # only a plain file inside the run's folder
if run.problem:
    problem = escape_markdown(run.problem)  # names a key of the file: text, never Markdown
    st.error(f"This run's record is damaged ({problem}): nothing it names is shown.")
elif html is None:
    st.warning("This run has no HTML report.")
else:
    # On its own, away from the reports folder's shared plotly.js: the bundle goes inline.
    document = inline_shared_script(html.decode("utf-8", errors="replace"))
    st.download_button(
        "Download the HTML report",
        document.encode("utf-8"),
        file_name=f"{run.notebook}-{run.folder.name}.html",
        mime="text/html",
        key="report_html",
        on_click=audit.on_click(wb, "report_download", [reports.run_key(run)]),
    )
    pdf = run.read_pdf()
    if pdf is not None:
        st.download_button(
            "Download the PDF",
            pdf,
            file_name=f"{run.notebook}-{run.folder.name}.pdf",
            mime="application/pdf",
            key="report_pdf",
            on_click=audit.on_click(wb, "report_download", [reports.run_key(run)]),
        )
    if st.toggle("Show the report here", key="report_preview"):
        audit.viewed(wb, "reports", [reports.run_key(run)])
        # In a frame of its own origin: its charts draw, but it cannot reach the app.
        components.html(reports.sandboxed(document), height=920)
