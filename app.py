"""Insight Workbench: the router. Signs the user in, reads the snapshot, `as_of` and record
key of the address, and declares the pages: those offered to the user's role, and for the
others a page saying they are not available. Run with `make run`."""

from pathlib import Path
from typing import Any

import streamlit as st

from insight_workbench.dashboard import address, audit, routing, session
from insight_workbench.dashboard.roles import ANALYST
from insight_workbench.errors import InputError

# `streamlit run app.py` from a checkout: the page scripts live next to it in app_pages/
# (never `pages/`, which would turn on Streamlit's older multipage mode). The library
# does not locate this file: the router passes its folder in.
BASE = Path(__file__).resolve().parent

# An emoji icon is drawn in the page itself; a Material icon would be fetched from
# Google's font servers by every browser that opens the app.
st.set_page_config(page_title="Insight Workbench", page_icon="\U0001f6e1", layout="wide")


def sign_in() -> tuple[session.Identity, dict[str, Any]] | None:
    """Who is signed in, or None after showing why nobody is."""
    st.session_state.pop(session.STATE_KEY, None)
    try:
        secrets = session.read_secrets()
        session.check_host(secrets)  # before anything of the workbench is shown
        identity = session.identify(BASE, secrets)
    except session.Refusal as refusal:
        session.show_only(refusal)
        return None
    except InputError as error:
        session.show_only(session.Refusal(str(error), error=True))
        return None
    session.show_identity(identity)
    return identity, secrets


def open_view(identity: session.Identity, secrets: dict[str, Any]) -> None:
    """The workbench at the address's snapshot, `as_of` and key, on the page it names."""
    address.restore_kept()
    wb, key, problem = None, None, None
    try:
        wb = session.build_workbench(identity, BASE, secrets)
        if wb.role == ANALYST and wb.key_problem:
            raise session.Refusal(wb.key_problem)
        key = address.record_key()
    except session.Refusal as refusal:
        session.show_only(refusal)
        return
    except InputError as error:
        problem = str(error)
    nav = routing.navigate(identity.role, BASE)
    if wb is None or problem is not None:
        routing.show_problem(nav, identity.role, problem or "")
        return
    address.remember_kept()
    audit.session_opened(wb)
    session.set_current(wb)
    session.show_snapshot(wb)
    if key is not None:
        routing.move_to_owner(wb, nav, key)
    address.show_link(nav.url_path, wb.exported_at)  # what an address without as_of means
    try:
        with session.guard():
            nav.current.run()
    finally:
        session.clear_current()


with session.defects_logged():  # an unexpected error's message may quote the data
    signed_in = sign_in()
    if signed_in is not None:
        open_view(*signed_in)
