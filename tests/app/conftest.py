"""Opening the app with AppTest in a chosen role, and reading everything it rendered."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit.components.v2.manifest_scanner as component_scanner
from apphelpers import identifiers
from streamlit.testing.v1 import AppTest

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


@pytest.fixture(scope="session", autouse=True)
def components_found_once() -> Iterator[None]:
    """Every new AppTest looks for installed custom components by reading the metadata of
    every installed package (a second or more each time): the packages do not change
    during the session, so they are read once and each AppTest gets the same answer.
    Streamlit has no public setting for this, so its internal scanner is replaced here,
    in the tests only; the dev extra pins Streamlit's minor version for that reason,
    and a renamed scanner fails this import rather than passing silently."""
    found = component_scanner.scan_component_manifests()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(component_scanner, "scan_component_manifests", lambda: list(found))
        yield


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
        first_page: str | None = None,
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
        if first_page is not None:  # a first visit straight to this page's address
            app.switch_page(first_page)
        app.run()
        if page is not None:
            app.switch_page(page).run()
        return app

    return open_


@pytest.fixture(scope="session")
def sample_identifiers(sample: Snapshot) -> dict[str, set[str]]:
    return identifiers(sample)
