"""A record's deletion evidence in its detail panel (DPO only): whether a later recorded
snapshot no longer holds its data, on time or late, with the printable certificate."""

from __future__ import annotations

import streamlit as st

from insight_workbench.dashboard import audit
from insight_workbench.dashboard.roles import DPO
from insight_workbench.dashboard.session import Workbench
from insight_workbench.errors import InputError
from insight_workbench.ledger.database import open_ledger
from insight_workbench.ledger.evidence_files import certificate_name, read_evidence
from insight_workbench.ledger.evidence_html import certificate_page
from insight_workbench.ledger.instants import shown
from insight_workbench.markdown_text import escape_markdown

FOLLOWED = ("org", "request")  # the keys whose deletion the ledger follows


def render_deletion_record(wb: Workbench, key: str) -> None:
    """The deletion record of `key` (an organisation or a request), or why there is none."""
    if wb.role != DPO or key.split(":", 1)[0] not in FOLLOWED:
        return
    st.markdown("**Deletion evidence**")
    try:
        evidence = read_evidence(open_ledger(), key)
        if not evidence.records:
            reason = evidence.no_record or "none"
            st.caption(f"No deletion record yet: {escape_markdown(reason)}.")
            return
    except InputError as error:
        st.error(escape_markdown(error))
        return
    record = evidence.records[0]
    when = shown(record.first_clear.exported_at)
    if record.verdict == "on_time":
        st.success(f"Deleted on time: no longer held in the snapshot exported {when}.")
    else:
        st.warning(
            f"Deleted late, by {record.late_by_days_at_most} days at most: first found gone "
            f"in the snapshot exported {when}, due {shown(record.due)}."
        )
    if record.not_covered:
        st.caption(escape_markdown(record.not_covered))
    page = certificate_page(record, evidence.decisions.get(key, []), evidence.generated_at)
    st.download_button(
        "Download the deletion certificate (HTML)",
        page.encode("utf-8"),
        file_name=f"certificate-{certificate_name(key)}.html",
        mime="text/html",
        on_click=audit.on_click(wb, "certificate_download", [key]),
        key="record_certificate",
    )
