"""OIDC sign-in end to end: a mock OpenID provider and the app on loopback, Chromium
signing in through the provider's form. The role comes from the roles file: a DPO sees
the DPO pages, an analyst only the analyst pages, an account with no role only a
message; signed out, only the sign-in page."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import require_chromium
from streamlit_server import free_port, open_page, serve, wait_idle
from werkzeug.serving import make_server

from insight_workbench.dashboard.navigation import pages_for
from insight_workbench.dashboard.roles import ANALYST, DPO
from insight_workbench.loading.snapshot import Snapshot

pytestmark = pytest.mark.browser
CHROMIUM = require_chromium(module=True)
KEY = "browser-test-pseudonym-key-0123456789"
USERS = {DPO: "dpo@example.org", ANALYST: "analyst@example.org", None: "nobody@example.org"}
NAV = '[data-testid="stSidebarNav"]'


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """The mock OpenID provider on a free loopback port; its users carry an e-mail claim."""
    from oidc_provider_mock import User, app

    users = [User(sub=email, claims={"email": email}) for email in USERS.values()]
    server = make_server("127.0.0.1", 0, app(user_claims=users), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.fixture(scope="module")
def workbench(
    provider: str, sample_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The app with sign-in on: a secrets file pointing at the provider, a roles file."""
    folder = tmp_path_factory.mktemp("signin")
    port = free_port()
    secrets = folder / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        'cookie_secret = "browser-test-cookie-secret-0123456789"\n'
        'client_id = "insight-workbench"\n'
        'client_secret = "browser-test-client-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    roles = folder / "roles.toml"
    roles.write_text(f'dpo = ["{USERS[DPO]}"]\nanalyst = ["{USERS[ANALYST]}"]\n', "utf-8")
    env = {
        "INSIGHT_SNAPSHOT": str(sample_path),
        "INSIGHT_PSEUDONYM_KEY": KEY,
        "INSIGHT_ROLES_FILE": str(roles),
        "INSIGHT_ROLE": DPO,  # must be ignored once sign-in is on
    }
    with serve(env, args=["--secrets.files", str(secrets)], port=port) as base:
        yield base


@pytest.fixture(scope="module")
def identifiable(sample: Snapshot) -> set[str]:
    cursor = sample.cursor()
    try:
        rows = cursor.execute("SELECT email FROM users UNION SELECT name FROM users").fetchall()
    finally:
        cursor.close()
    return {str(r[0]) for r in rows if r[0]}


def body(tab: Any) -> str:
    return str(tab.locator("body").inner_text())


def assert_only_a_message(tab: Any, identifiable: set[str]) -> None:
    assert tab.locator(NAV).count() == 0
    assert tab.get_by_role("heading", name="Overview", exact=True).count() == 0
    assert "Role:" not in body(tab)
    content = tab.content()
    assert sum(1 for value in identifiable if value in content) == 0


def sign_in(tab: Any, base: str, email: str, identifiable: set[str]) -> None:
    """Signed out, the start page offers only sign-in; the provider's form signs in."""
    open_page(tab, f"{base}/", "Insight Workbench")
    assert "Sign in to open the workbench." in body(tab)
    assert_only_a_message(tab, identifiable)
    # The app asks the provider for its metadata before redirecting: on a busy machine that
    # takes longer than Playwright's 30 s default, so every step gets the page waits' 90 s.
    tab.get_by_role("button", name="Sign in").click(timeout=90_000)
    tab.get_by_placeholder("sub").fill(email, timeout=90_000)
    tab.get_by_role("button", name="Authorize").click(timeout=90_000)
    tab.wait_for_url(f"{base}/**", timeout=90_000)


@pytest.mark.parametrize("role", [DPO, ANALYST])
def test_a_signed_in_user_sees_the_pages_of_their_role(
    role: str, workbench: str, browser: Any, identifiable: set[str]
) -> None:
    context = browser.new_context()
    tab = context.new_page()
    sign_in(tab, workbench, USERS[role], identifiable)
    wait_idle(tab, "Overview")
    assert f"Role: {role.upper()}" in body(tab)
    assert USERS[role] in body(tab)
    # Each link reads "<icon name>\n\n<title>".
    offered = {a.strip().splitlines()[-1] for a in tab.locator(f"{NAV} a").all_inner_texts()}
    assert offered == {spec.title for spec in pages_for(role)}
    if role == DPO:
        tab.locator(f"{NAV} a", has_text="Retention").click()
        wait_idle(tab, "Retention")
    context.close()


def test_a_signed_in_user_without_a_role_sees_only_a_message(
    workbench: str, browser: Any, identifiable: set[str]
) -> None:
    context = browser.new_context()
    tab = context.new_page()
    sign_in(tab, workbench, USERS[None], identifiable)
    tab.get_by_text("no role in this workbench").wait_for(timeout=90_000)
    wait_idle(tab, "Insight Workbench")
    assert_only_a_message(tab, identifiable)
    assert tab.get_by_role("button", name="Sign out").count() == 1
    context.close()
