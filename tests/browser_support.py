"""Which Chromium the browser tests drive, and what happens when there is none.

The path comes from `CHROMIUM` or `INSIGHT_CHROMIUM` (a path or a command name), else the
first of `chromium`, `chromium-browser`, `google-chrome` on PATH. Without one the browser
tests skip with one line; under `CI=true` they fail with it instead.

The tests of one process share one launched Chromium (`SHARED`, the `browser` fixture),
each test in contexts of its own.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest

from insight_workbench.reports.pdf import UNUSED_FEATURES

VARIABLES = ("CHROMIUM", "INSIGHT_CHROMIUM")
COMMANDS = ("chromium", "chromium-browser", "google-chrome")
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # The tabs of one context share a renderer process, and with it the app's scripts once
    # compiled: a new tab (a link opened, a second tab) then costs a fraction of the first.
    "--process-per-site",
]
# A name an attacker controls, resolved to the loopback address as after a DNS rebinding
# (tests/test_browser_hosts.py); no other test uses it.
REBIND = "rebind.attacker.test"
SHARED_ARGS = (f"--host-resolver-rules=MAP {REBIND} 127.0.0.1",)


def find_chromium(env: Mapping[str, str] = os.environ) -> str | None:
    """The Chromium executable to drive, or None when there is none."""
    for variable in VARIABLES:
        if env.get(variable):
            return shutil.which(env[variable])
    return next((found for name in COMMANDS if (found := shutil.which(name))), None)


def missing_reason(env: Mapping[str, str] = os.environ) -> str:
    named = next((v for v in VARIABLES if env.get(v)), None)
    where = f"{named} names no executable" if named else "no Chromium on PATH"
    return f"browser tests need Chromium: {where}; run `make chromium` or set CHROMIUM"


def on_ci(env: Mapping[str, str] = os.environ) -> bool:
    return env.get("CI", "").strip().lower() in {"true", "1", "yes"}


def require_chromium(*, module: bool = False) -> str:
    """The Chromium path; without one, skip (the whole module when `module`), or fail on CI."""
    found = find_chromium()
    if found is not None:
        return found
    reason = missing_reason()
    if on_ci():
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=module)


@contextmanager
def launched_chromium(executable: str, *extra_args: str) -> Iterator[Any]:
    """Chromium driven by Playwright, with the tests' switches (and `extra_args`), and
    without the address bar's popup (see `insight_workbench.reports.pdf`)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        playwright_switch = _playwright_disabled_features(playwright, executable)
        merged = ",".join(filter(None, [playwright_switch.partition("=")[2], *UNUSED_FEATURES]))
        chromium = playwright.chromium.launch(
            executable_path=executable,
            args=[*ARGS, *extra_args, f"--disable-features={merged}"],
            ignore_default_args=[playwright_switch] if playwright_switch else None,
        )
        yield chromium
        chromium.close()


_PLAYWRIGHT_SWITCH: dict[str, str] = {}


def _playwright_disabled_features(playwright: Any, executable: str) -> str:
    """The `--disable-features=...` switch Playwright itself passes ("" when none).

    Chromium keeps only the last of two such switches, so ours must carry Playwright's
    features too; Playwright does not publish its list, Chromium reports its command line.
    Asked once per process."""
    if executable not in _PLAYWRIGHT_SWITCH:
        # Chromium tells its command line only to a browser started for automation.
        probe_args = [*ARGS, "--enable-automation"]
        probe = playwright.chromium.launch(executable_path=executable, args=probe_args)
        try:
            session = probe.new_browser_cdp_session()
            arguments = session.send("Browser.getBrowserCommandLine")["arguments"]
        finally:
            probe.close()
        found = [a for a in arguments if a.startswith("--disable-features=")]
        _PLAYWRIGHT_SWITCH[executable] = found[0] if found else ""
    return _PLAYWRIGHT_SWITCH[executable]


class SharedChromium:
    """One Chromium for the browser tests of a process, launched on first use.

    `close` ends it and its Playwright between the browser tests and the others: while
    Playwright runs, asyncio sees a running event loop in this thread, which a notebook
    run (its kernel client) would trip over."""

    def __init__(self) -> None:
        self._stack: ExitStack | None = None
        self._browser: Any = None

    def get(self) -> Any:
        if self._browser is None or not self._browser.is_connected():
            self.close()
            stack = ExitStack()
            self._browser = stack.enter_context(launched_chromium(require_chromium(), *SHARED_ARGS))
            self._stack = stack
        return self._browser

    def close(self) -> None:
        stack, self._stack, self._browser = self._stack, None, None
        if stack is not None:
            stack.close()


SHARED = SharedChromium()
