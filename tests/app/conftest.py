"""Opening the app with AppTest in a chosen role, and reading everything it rendered."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from apphelpers import identifiers
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest, app_test
from streamlit.util import calc_hash

from insight_workbench.loading.snapshot import Snapshot

ROOT = Path(__file__).resolve().parents[2]
KEY = "apptest-pseudonym-key-0123456789"
ISOLATED = (
    "INSIGHT_PSEUDONYM_KEY",
    "INSIGHT_PSEUDONYM_KEY_FILE",
    "INSIGHT_ROLES_FILE",
    "INSIGHT_SNAPSHOTS_ROOT",
    "INSIGHT_POLICY",
    "INSIGHT_ROLE",
    "INSIGHT_SNAPSHOT",
)

OpenApp = Callable[..., AppTest]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "pages_folder_mode: run AppTest in Streamlit's pages/-folder mode"
    )


class _RoutedPages(PagesManager):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


@pytest.fixture(autouse=True)
def routed_pages(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """Run every AppTest run as the server runs after its first visitor.

    A running server leaves Streamlit's older pages/-folder mode for good once any
    session calls st.navigation; AppTest detects the pages/ folder again before every
    run, so each rerun would start on the page file instead of the router (and lose
    widget values on the detour). The browser test covers a fresh server's first visit.
    """
    if request.node.get_closest_marker("pages_folder_mode") is None:
        monkeypatch.setattr(app_test, "PagesManager", _RoutedPages)


@pytest.fixture
def open_app(monkeypatch: pytest.MonkeyPatch, sample_path: Path) -> OpenApp:
    """`open_app(role, page=None, env=..., secrets=..., user=..., query=...)`: the app run
    once (on the page when given), as the local single-user tool unless `secrets` say
    otherwise."""

    def open_(
        role: str | None = "dpo",
        page: str | None = None,
        *,
        env: dict[str, str] | None = None,
        secrets: dict[str, Any] | None = None,
        user: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
        key: str | None = KEY,
        url_path: str | None = None,
    ) -> AppTest:
        for name in ISOLATED:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("INSIGHT_SNAPSHOT", str(sample_path))
        if role is not None:
            monkeypatch.setenv("INSIGHT_ROLE", role)
        if key is not None:
            monkeypatch.setenv("INSIGHT_PSEUDONYM_KEY", key)
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        # Never the developer's own secrets file: a placeholder keeps the test's own.
        app.secrets.update(secrets or {"apptest": "no-auth"})
        if user is not None:
            app.user = user
        app.query_params.update(query or {})
        if url_path is not None:  # a first visit straight to this address
            app._page_hash = calc_hash(url_path)
        app.run()
        if page is not None:
            app.switch_page(page).run()
        return app

    return open_


@pytest.fixture(scope="session")
def sample_identifiers(sample: Snapshot) -> dict[str, set[str]]:
    return identifiers(sample)
