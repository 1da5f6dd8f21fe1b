"""Opening the app with AppTest in a chosen role, and reading everything it rendered."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
import streamlit.components.v2.manifest_scanner as component_scanner
import streamlit.testing.v1.app_test as app_test
import streamlit.testing.v1.local_script_runner as local_script_runner
from apphelpers import identifiers
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest

from insight_workbench.dashboard.roles import DPO
from insight_workbench.dashboard.session import Identity, Workbench, workbench_of
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.policy import load_policy

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


@pytest.fixture(scope="session", autouse=True)
def scripts_compiled_once() -> Iterator[None]:
    """Each AppTest run makes a new script cache, so the router and the page are read,
    rewritten for magic and compiled again on every run; a served app compiles each
    script once. The scripts do not change during the session (a test's own script,
    `AppTest.from_function`, has a file of its own), so every run shares one cache.
    Streamlit's internals again: see `components_found_once`."""
    shared = ScriptCache()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(app_test, "ScriptCache", lambda: shared)
        yield


def _wait_for_the_run(runner: local_script_runner.LocalScriptRunner, timeout: float = 3) -> None:
    """Streamlit's own wait, without its polling: it wakes every millisecond to look
    for the end of the run, taking the interpreter's lock from the script's thread each
    time. The script's thread ends with the run, so joining it waits just as long."""
    thread = runner._script_thread
    if thread is not None:
        thread.join(timeout)
    if runner.script_stopped():
        return
    runner.request_stop()
    runner.join()
    raise RuntimeError(f"AppTest script run timed out after {timeout}(s)")


@pytest.fixture(scope="session", autouse=True)
def runs_awaited_without_polling() -> Iterator[None]:
    """Every AppTest run waits on its script's thread (see `_wait_for_the_run`)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(local_script_runner, "require_widgets_deltas", _wait_for_the_run)
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


@pytest.fixture
def dpo(sample: Snapshot) -> Workbench:
    """The DPO's view of the sample at its export time, built as the app builds it, with
    nothing cached by an earlier test in this process (for tests of the shared results)."""
    st.cache_data.clear()
    st.cache_resource.clear()
    identity = Identity(DPO, "local user (no sign-in)", signed_in=False)
    exported_at = sample.manifest.exported_at
    return workbench_of(sample, identity, ROOT, exported_at, load_policy(), "default", None, None)
