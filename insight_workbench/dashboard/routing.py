"""The router's navigation: every page address answers for every role, but a page not
offered to the role answers "not available in your role" (a page of its own, hidden
from the menu) and never runs the page's script. A key on the wrong page is moved to
the page that owns it; a bad parameter is a message on a normal page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from insight_workbench.dashboard import address, records
from insight_workbench.dashboard.navigation import PAGES, START, PageSpec, pages_for, refused_for
from insight_workbench.dashboard.session import Workbench
from insight_workbench.markdown_text import escape_markdown

ROLE_NAMES = {"dpo": "the DPO", "analyst": "an analyst"}


@dataclass(frozen=True)
class Navigation:
    current: StreamlitPage
    spec: PageSpec
    pages: dict[str, StreamlitPage]  # by page path (`app_pages/retention.py`)
    url_path: str  # the current page's address ("" for the start page)


def navigate(role: str, base: Path) -> Navigation:
    """Declare the pages (the offered ones in the menu, the others hidden) and resolve
    the one the address asks for."""
    sections: dict[str, list[StreamlitPage]] = {}
    pages: dict[str, StreamlitPage] = {}
    for spec in pages_for(role):
        page = st.Page(
            base / spec.path,
            title=spec.title,
            icon=spec.icon,
            url_path=spec.url_path,
            default=spec.path == START,
        )
        sections.setdefault(spec.section, []).append(page)
        pages[spec.path] = page
    for spec in refused_for(role):
        page = st.Page(
            _not_available(spec, role),
            title=spec.title,
            icon=":material/block:",
            url_path=spec.url_path,
            visibility="hidden",
        )
        sections.setdefault(spec.section, []).append(page)
        pages[spec.path] = page
    current = st.navigation(sections)
    spec = next(s for s in PAGES if pages[s.path].url_path == current.url_path)
    return Navigation(current, spec, pages, current.url_path)


def _not_available(spec: PageSpec, role: str) -> Callable[[], None]:
    def not_available() -> None:
        st.title("Not available in your role")
        st.warning(
            f"The {spec.title} page is not available in your role: you are signed in as "
            f"{ROLE_NAMES.get(role, role)}. Choose a page from the navigation."
        )

    not_available.__name__ = f"not_available_{spec.url_path}"
    return not_available


def show_problem(nav: Navigation, role: str, message: str) -> None:
    """A bad parameter: the page's title and what is wrong, with the navigation kept (on
    a page not offered to the role, only that it is not available)."""
    if role not in nav.spec.roles:
        nav.current.run()
        return
    st.title(nav.spec.title)
    st.error(escape_markdown(message))
    st.caption("Check the link, or choose a page from the navigation to start afresh.")


def move_to_owner(wb: Workbench, nav: Navigation, key: address.RecordKey) -> None:
    """A key given on a page that does not own it: open the owning page instead, with
    the same address otherwise (for a role not offered it, the "not available" page)."""
    owner = records.owner(wb, key)
    if owner != nav.spec.path:
        st.switch_page(nav.pages[owner], query_params=address.params())
