"""Every key is a link, in a real browser: from the Overview a DPO follows a finding's
link to its record, copies the view's address and opens it again; the same address
tells an analyst the page is not available in their role."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from browser_support import require_chromium
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from streamlit_server import EXCEPTION, AppServers, heading_shown, open_page, wait_idle

from insight_workbench.dashboard.roles import ANALYST, DPO

# The app servers are shared with the other files of the group (one per role).
pytestmark = pytest.mark.browser
CHROMIUM = require_chromium(module=True)
KEY = "browser-test-pseudonym-key-0123456789"
ROW = 35  # height of a table row and of the header row, in pixels


def env(role: str, sample_path: Path) -> dict[str, str]:
    return {
        "INSIGHT_ROLE": role,
        "INSIGHT_SNAPSHOT": str(sample_path),
        "INSIGHT_PSEUDONYM_KEY": KEY,
    }


def follow_first_overdue_link(tab: Any) -> Any:
    """Click the key of the first overdue finding (a link cell opens a new tab)."""
    for _ in range(3):  # on a busy machine a click may land before the grid listens
        wait_idle(tab, "Overview")  # a click may have made the page run again
        # the first table shown: the overdue findings
        table = tab.locator('[data-testid="stDataFrame"] >> visible=true').first
        table.scroll_into_view_if_needed()
        box = table.bounding_box()
        x, y = box["x"] + 40, box["y"] + ROW + ROW / 2  # the key column (first), first row
        tab.mouse.click(x, y)  # the first click selects the cell, the second opens it
        wait_idle(tab, "Overview")
        try:
            with tab.context.expect_page(timeout=15_000) as opened:
                tab.mouse.click(x, y)
            return opened.value
        except PlaywrightTimeout:
            continue
    raise AssertionError("clicking the first finding's key opened no tab")


def test_a_finding_link_leads_to_its_record_and_the_address_brings_it_back(
    browser: Any, app_servers: AppServers, sample_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    base = app_servers.url(env(DPO, sample_path))
    tab = context.new_page()
    open_page(tab, f"{base}/", "Overview")
    record = follow_first_overdue_link(tab)
    record.wait_for_load_state("domcontentloaded")
    key = urlsplit(record.url).query.split("key=")[1].split("&")[0].replace("%3A", ":")
    heading = f"Record {key}"
    heading_shown(record, heading)
    record.get_by_role("heading", name=heading).wait_for(timeout=90_000)
    assert record.locator(EXCEPTION).count() == 0
    copied = record.locator('[data-testid="stCode"]').first.inner_text().strip()
    assert copied.startswith(f"{base}/")
    assert "as_of=" in copied
    # The copied address in the first tab's address bar opens the same record; going
    # back returns to the Overview.
    tab.goto(copied, wait_until="domcontentloaded")
    heading_shown(tab, heading)
    tab.get_by_role("heading", name=heading).wait_for(timeout=90_000)
    tab.go_back(wait_until="domcontentloaded")
    wait_idle(tab, "Overview")
    relative = copied.removeprefix(f"{base}/")
    base = app_servers.url(env(ANALYST, sample_path))
    tab = context.new_page()
    open_page(tab, f"{base}/{relative}", "Not available in your role")
    assert tab.get_by_role("heading", name=heading).count() == 0
    assert tab.locator(EXCEPTION).count() == 0
    context.close()
