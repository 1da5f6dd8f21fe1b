"""DNS rebinding in a real browser: Chromium resolves an attacker's name to the loopback
address the workbench (local DPO mode) listens on. Under that name the workbench shows
nothing of itself; under 127.0.0.1 it works.

Two layers are checked: Streamlit's own `server.allowedHosts` (set in the project's
config), which refuses the websocket, and the app's check of `Host` and `Origin`, which
refuses the session when Streamlit's list is switched off (`*`)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from browser_support import REBIND, require_chromium
from streamlit_server import IDLE, AppServers, open_page, serve

from insight_workbench.loading.snapshot import Snapshot

# The DPO's app server is shared with the other files of the group.
pytestmark = pytest.mark.browser
CHROMIUM = require_chromium(module=True)
KEY = "browser-test-pseudonym-key-0123456789"
REFUSAL = "This workbench does not answer at this address."
REFUSED_HANDSHAKES = 2  # the first attempt and the browser's retry
HANDSHAKE_WAIT_MS = 8_000


@pytest.fixture(scope="module")
def identifiable(sample: Snapshot) -> set[str]:
    """E-mail addresses and names of the sample's people."""
    cursor = sample.cursor()
    try:
        rows = cursor.execute(
            "SELECT email FROM users UNION SELECT name FROM users "
            "UNION SELECT requester_email FROM subject_requests"
        ).fetchall()
    finally:
        cursor.close()
    return {str(r[0]) for r in rows if r[0]}


def dpo_env(sample_path: Path) -> dict[str, str]:
    return {
        "INSIGHT_ROLE": "dpo",
        "INSIGHT_SNAPSHOT": str(sample_path),
        "INSIGHT_PSEUDONYM_KEY": KEY,
    }


def rebound(base: str) -> str:
    return f"http://{REBIND}:{urlsplit(base).port}"


def shown(tab: Any) -> str:
    """The page's markup and visible text."""
    return tab.content() + "\n" + tab.locator("body").inner_text()


def assert_nothing_of_the_workbench(tab: Any, identifiable: set[str]) -> None:
    text = shown(tab)
    assert tab.get_by_role("heading", name="Retention", exact=True).count() == 0
    assert tab.locator('[data-testid="stSidebarNav"]').count() == 0
    assert tab.locator('[data-testid="stSidebar"]').count() == 0
    assert "Role:" not in text
    leaked = sum(1 for value in identifiable if value in text)
    assert leaked == 0, f"{leaked} identifiable values shown"


def wait_for_refusals(tab: Any, closed: list[str], count: int, timeout_ms: int) -> None:
    """Wait (at most `timeout_ms`) until `count` websockets of the page have closed."""
    deadline = time.monotonic() + timeout_ms / 1000
    while len(closed) < count:
        assert time.monotonic() < deadline, f"{len(closed)} of {count} handshakes ended"
        tab.wait_for_timeout(50)  # lets Playwright deliver the page's events


def test_streamlit_refuses_a_rebound_name(
    browser: Any, app_servers: AppServers, sample_path: Path, identifiable: set[str]
) -> None:
    base = app_servers.url(dpo_env(sample_path))
    context = browser.new_context()
    tab = context.new_page()
    frames: list[int] = []
    errors: list[str] = []
    closed: list[str] = []

    def watch(ws: Any) -> None:
        ws.on("framereceived", lambda _: frames.append(1))
        ws.on("socketerror", lambda error: errors.append(str(error)))
        ws.on("close", lambda _: closed.append(ws.url))

    tab.on("websocket", watch)
    tab.goto(f"{rebound(base)}/retention", wait_until="domcontentloaded")
    # The websocket is refused at the handshake, and again when the browser retries: the
    # page never gets a script run.
    wait_for_refusals(tab, closed, REFUSED_HANDSHAKES, HANDSHAKE_WAIT_MS)
    assert errors
    assert all("403" in error for error in errors), errors
    assert tab.locator(IDLE).count() == 0
    assert not frames, "the server sent websocket messages to the rebound page"
    assert_nothing_of_the_workbench(tab, identifiable)
    # The same server under its own name shows the DPO page.
    open_page(tab, f"{base}/retention", "Retention")
    assert "Role: DPO" in tab.locator("body").inner_text()
    context.close()


def test_the_app_refuses_a_rebound_name_when_streamlit_does_not(
    browser: Any, sample_path: Path, identifiable: set[str]
) -> None:
    # `*` switches Streamlit's own check off; the app falls back to the loopback names.
    with serve(dpo_env(sample_path), args=["--server.allowedHosts", "*"]) as base:
        context = browser.new_context()
        tab = context.new_page()
        open_page(tab, f"{rebound(base)}/retention", "Insight Workbench")
        assert REFUSAL in shown(tab)
        assert_nothing_of_the_workbench(tab, identifiable)
        open_page(tab, f"{base}/retention", "Retention")
        assert REFUSAL not in shown(tab)
        context.close()
