"""The app in a real browser: `streamlit run app.py` on a free loopback port, driven
through Chromium with Playwright. Every page of each role opens without an
exception element; two tabs at once both work; screenshots are saved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import launched_chromium, require_chromium
from streamlit_server import EXCEPTION, open_page, serve

from insight_workbench.dashboard.navigation import pages_for
from insight_workbench.dashboard.roles import ANALYST, DPO

pytestmark = pytest.mark.browser
CHROMIUM = require_chromium(module=True)
KEY = "browser-test-pseudonym-key-0123456789"


def page_url(base: str, path: str, first: bool) -> str:
    return f"{base}/" if first else f"{base}/{Path(path).stem}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium(CHROMIUM) as chromium:
        yield chromium


@pytest.mark.parametrize("role", [DPO, ANALYST])
def test_every_page_opens_without_an_exception(
    role: str, browser: Any, sample_path: Path, tmp_path: Path
) -> None:
    env = {"INSIGHT_ROLE": role, "INSIGHT_SNAPSHOT": str(sample_path), "INSIGHT_PSEUDONYM_KEY": KEY}
    pages = pages_for(role)
    with serve(env) as base:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        tab = context.new_page()
        # First visit to a fresh server, straight to a DPO-only address: it goes through
        # the router, which shows it to a DPO and tells an analyst it is not available.
        open_page(tab, f"{base}/retention", "Retention")
        refused = tab.get_by_text("This page is not available in your role.").count()
        assert refused == (0 if role == DPO else 1)
        assert tab.get_by_role("heading", name="Rows still held").count() == (
            1 if role == DPO else 0
        )
        for i, spec in enumerate(pages):
            open_page(tab, page_url(base, spec.path, i == 0), spec.title)
            assert tab.locator(EXCEPTION).count() == 0, spec.title
            shot = tmp_path / f"{role}-{Path(spec.path).stem}.png"
            tab.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
        context.close()


def test_two_tabs_at_once(browser: Any, sample_path: Path) -> None:
    env = {"INSIGHT_ROLE": DPO, "INSIGHT_SNAPSHOT": str(sample_path), "INSIGHT_PSEUDONYM_KEY": KEY}
    pages = pages_for(DPO)
    with serve(env) as base:
        first, second = browser.new_context(), browser.new_context()
        tabs = [first.new_page(), second.new_page()]
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
        first.close()
        second.close()
