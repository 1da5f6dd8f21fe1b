"""The app in a real browser: `streamlit run app.py` on a free loopback port, driven
through Chromium with Playwright. A page's address opens it; every page of each role,
reached from the sidebar, is at its own address and shows no exception element; two
tabs at once both work; screenshots are saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_support import require_chromium
from streamlit_server import EXCEPTION, AppServers, follow_nav, open_page

from insight_workbench.dashboard.navigation import START, pages_for
from insight_workbench.dashboard.roles import ANALYST, DPO

# The app servers are shared with the other files of the group (one per role).
pytestmark = pytest.mark.browser
CHROMIUM = require_chromium(module=True)
KEY = "browser-test-pseudonym-key-0123456789"


def app_env(role: str, sample_path: Path) -> dict[str, str]:
    return {
        "INSIGHT_ROLE": role,
        "INSIGHT_SNAPSHOT": str(sample_path),
        "INSIGHT_PSEUDONYM_KEY": KEY,
    }


def page_url(base: str, path: str, start: bool) -> str:
    return f"{base}/" if start else f"{base}/{Path(path).stem}"


@pytest.mark.parametrize("role", [DPO, ANALYST])
def test_every_page_opens_without_an_exception(
    role: str, browser: Any, app_servers: AppServers, sample_path: Path, tmp_path: Path
) -> None:
    pages = pages_for(role)
    base = app_servers.fresh_url(app_env(role, sample_path))
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    # First visit to a fresh server, straight to a DPO-only address: it goes through
    # the router, which shows it to a DPO and tells an analyst it is not theirs.
    refused = "Not available in your role"
    open_page(tab, f"{base}/retention", "Retention" if role == DPO else refused)
    assert tab.get_by_role("heading", name="Retention", exact=True).count() == (
        1 if role == DPO else 0
    )
    # Then each page from the sidebar, in the same session: loading the app afresh for
    # each would cost the browser seconds more per page.
    for spec in pages:
        follow_nav(tab, spec.title, page_url(base, spec.path, spec.path == START))
        assert tab.locator(EXCEPTION).count() == 0, spec.title
        shot = tmp_path / f"{role}-{Path(spec.path).stem}.png"
        # The page scrolls inside the app's main area, not the document: a full-page
        # shot is this same picture of the viewport.
        tab.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000
    # A page's own address opens it for every role offered it (Streamlit would answer
    # "Page not found" for an address it does not know, then show the start page).
    open_page(tab, f"{base}/usage", "Usage")
    assert tab.get_by_text("Page not found").count() == 0
    assert tab.url == f"{base}/usage"
    context.close()


def test_two_tabs_at_once(browser: Any, app_servers: AppServers, sample_path: Path) -> None:
    pages = pages_for(DPO)
    base = app_servers.url(app_env(DPO, sample_path))
    context = browser.new_context()
    tabs = [context.new_page(), context.new_page()]
    # Both sessions start their runs before either is waited for.
    targets = [
        (pages[0], page_url(base, pages[0].path, True)),
        (pages[-2], page_url(base, pages[-2].path, False)),
    ]
    for tab, (_spec, url) in zip(tabs, targets, strict=True):
        tab.goto(url, wait_until="domcontentloaded")
    for tab, (spec, url) in zip(tabs, targets, strict=True):
        open_page(tab, url, spec.title)
        assert tab.locator(EXCEPTION).count() == 0
    context.close()
