"""Insight Workbench: the router. Signs the user in, picks the snapshot and `as_of`, and
registers only the pages the user's role is offered. Run with `make run`."""

from pathlib import Path

import streamlit as st

from insight_workbench.dashboard import audit, navigation, session
from insight_workbench.dashboard.roles import ANALYST
from insight_workbench.errors import InputError

# `streamlit run app.py` from a checkout: the page scripts live next to it in app_pages/
# (never `pages/`, which would turn on Streamlit's older multipage mode). The library
# does not locate this file: the router passes its folder in.
BASE = Path(__file__).resolve().parent

st.set_page_config(page_title="Insight Workbench", page_icon=":material/policy:", layout="wide")


def start() -> session.Workbench | None:
    """The workbench of this run, or None after showing why there is none."""
    st.session_state.pop(session.STATE_KEY, None)
    try:
        secrets = session.read_secrets()
        session.check_host(secrets)  # before anything of the workbench is shown
        identity = session.identify(BASE, secrets)
        session.show_identity(identity)
        wb = session.build_workbench(identity, BASE, secrets)
        if wb.role == ANALYST and wb.key_problem:
            raise session.Refusal(wb.key_problem)
        audit.session_opened(wb)
    except session.Refusal as refusal:
        session.show_only(refusal)
        return None
    except InputError as error:
        session.show_only(session.Refusal(str(error), error=True))
        return None
    return wb


wb = start()
if wb is not None:
    session.set_current(wb)
    session.show_snapshot(wb)
    sections: dict[str, list[st.Page]] = {}
    for spec in navigation.pages_for(wb.role):
        page = st.Page(BASE / spec.path, title=spec.title, icon=spec.icon)
        sections.setdefault(spec.section, []).append(page)
    for spec in navigation.pages_not_for(wb.role):  # their addresses say so, nothing more
        hidden = st.Page(
            session.not_in_role(spec.title),
            title=spec.title,
            url_path=navigation.url_path(spec),
            visibility="hidden",
        )
        next(iter(sections.values())).append(hidden)
    current = st.navigation(sections)
    try:
        with session.guard():
            current.run()
    finally:
        session.clear_current()
