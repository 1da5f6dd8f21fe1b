"""Serving the app for a real browser: `streamlit run app.py` on a free loopback port, and
a Chromium (driven by Playwright) that waits for each page to finish running.

The browser tests of a process share a server per environment (`AppServers`, the
`app_servers` fixture): a fresh server spends most of its first seconds importing and
computing what every later visit finds in its caches."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from server_guard import guarded

ROOT = Path(__file__).resolve().parent.parent
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
EXCEPTION = '[data-testid="stException"]'
NAV_LINK = '[data-testid="stSidebarNav"] a'
# How long the script state must have stayed unchanged, by the page's own clock, before a
# page counts as settled: a rerun that widgets ask for once drawn starts well within it.
QUIET_MS = 250
# True once the app has been idle, with no change of its script state, for `quiet` ms.
# The first call installs an observer that notes the time of every change.
SETTLED = """quiet => {
  let seen = window.__scriptStateSeen;
  if (!seen) {
    seen = window.__scriptStateSeen = { at: performance.now() };
    new MutationObserver(() => { seen.at = performance.now(); }).observe(document, {
      subtree: true, attributes: true, attributeFilter: ["data-test-script-state"],
    });
  }
  const app = document.querySelector('[data-testid="stApp"]');
  const idle = app !== null && app.getAttribute("data-test-script-state") === "notRunning";
  return idle && performance.now() - seen.at >= quiet;
}"""
# True once some heading's text holds `name`, loosely: case, spaces and the labels Streamlit
# puts on its headings aside. Checked in the page every POLL_MS, it tells at once when
# Playwright's precise checks (which back off to one try in 500 ms) can pass: they then
# run, and pass on their first try.
HEADED = """name => {
  const squash = (text) => (text || "").replace(/\\s+/g, "").toLowerCase();
  const labelled = (h) => (h.getAttribute("aria-labelledby") || "").split(/\\s+/)
    .map((id) => document.getElementById(id)?.textContent || "").join("");
  return [...document.querySelectorAll('h1, h2, h3, h4, h5, h6, [role="heading"]')].some(
    (h) => squash(h.textContent + (h.getAttribute("aria-label") || "") + labelled(h))
      .includes(squash(name)),
  );
}"""
# HEADED, and the script has finished (IDLE).
HEADED_AND_IDLE = f"name => ({HEADED})(name) && document.querySelector({IDLE!r}) !== null"
POLL_MS = 50


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(
    env: Mapping[str, str],
    startup_seconds: float = 90,
    args: Sequence[str] = (),
    port: int | None = None,
) -> Iterator[str]:
    """Start the app with `env` added to the environment and `args` added to the command
    line (on `port`, else a free one); yield its base URL."""
    port = port or free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "app.py"),
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        # No full garbage collection after every script run: a test server lives for
        # a few pages, and the collections were a tenth of its CPU.
        "--runner.postScriptGC",
        "false",
        *args,
    ]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with guarded(["kill", "-KILL", str(process.pid)]):
            _wait_healthy(base, process, startup_seconds)
            yield base
    finally:
        # Killed, not asked to stop: an orderly stop spends seconds closing sessions and
        # tearing the interpreter down, and a test server keeps nothing worth it (the
        # cache's files are built under temporary names, renamed into place when whole).
        process.kill()
        process.wait()


def _wait_healthy(base: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError("streamlit did not become healthy in time")


def open_page(page, url: str, title: str, timeout_ms: int = 90_000) -> None:
    """Go to `url` and wait until the page's title is shown and the script has finished."""
    page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    wait_idle(page, title, timeout_ms)


def follow_nav(page, title: str, url: str, timeout_ms: int = 90_000) -> None:
    """Open the page `title` from the sidebar, as a user moves between pages (in the same
    session, without loading the app again), and wait until it is at `url` and settled."""
    link = page.locator(NAV_LINK).filter(has=page.get_by_text(title, exact=True))
    link.click(timeout=timeout_ms)
    page.wait_for_url(url, timeout=timeout_ms)
    wait_idle(page, title, timeout_ms)


def heading_shown(page, name: str, timeout_ms: int = 90_000) -> None:
    """Wait until a heading reads (loosely) `name`: the test's own precise check follows."""
    page.wait_for_function(HEADED, arg=name, polling=POLL_MS, timeout=timeout_ms)


def wait_idle(page, title: str, timeout_ms: int = 90_000) -> None:
    """Wait until `title` is shown and the script has finished, and no rerun has started
    for a moment (widgets settling may ask for one right after the first run). The loose
    check in the page comes first: it tells at once when the precise ones can pass."""
    page.wait_for_function(HEADED_AND_IDLE, arg=title, polling=POLL_MS, timeout=timeout_ms)
    page.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=timeout_ms)
    page.wait_for_selector(IDLE, timeout=timeout_ms)
    page.wait_for_function(SETTLED, arg=QUIET_MS, polling=POLL_MS, timeout=timeout_ms)


@dataclass
class _Running:
    base: str
    stop: ExitStack
    used: bool = False


@dataclass
class AppServers:
    """The app servers of one test process: one per environment and command line,
    started on first use, stopped by `close`."""

    _running: dict[tuple[tuple[str, ...], ...], _Running] = field(default_factory=dict)

    def url(self, env: Mapping[str, str], args: Sequence[str] = ()) -> str:
        """The base URL of the shared server for `env` and `args`."""
        key = self._key(env, args)
        if key not in self._running:
            self._start(key, env, args)
        running = self._running[key]
        running.used = True
        return running.base

    def fresh_url(self, env: Mapping[str, str], args: Sequence[str] = ()) -> str:
        """The base URL of a server no test has been given yet: the shared one while so,
        else a new one, which is shared from then on."""
        key = self._key(env, args)
        if key in self._running and self._running[key].used:
            self._running.pop(key).stop.close()
        return self.url(env, args)

    def close(self) -> None:
        while self._running:
            self._running.popitem()[1].stop.close()

    @staticmethod
    def _key(env: Mapping[str, str], args: Sequence[str]) -> tuple[tuple[str, ...], ...]:
        return (*(tuple(item) for item in sorted(env.items())), tuple(args))

    def _start(
        self, key: tuple[tuple[str, ...], ...], env: Mapping[str, str], args: Sequence[str]
    ) -> None:
        stop = ExitStack()
        base = stop.enter_context(serve(env, args=args))
        self._running[key] = _Running(base, stop)
