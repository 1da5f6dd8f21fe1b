"""Which Chromium the browser tests drive, and what happens when there is none.

The path comes from `CHROMIUM` or `INSIGHT_CHROMIUM` (a path or a command name), else the
first of `chromium`, `chromium-browser`, `google-chrome` on PATH. Without one the browser
tests skip with one line; under `CI=true` they fail with it instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pytest

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
]


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
    """Chromium driven by Playwright, with the tests' switches (and `extra_args`)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=[*ARGS, *extra_args])
        yield chromium
        chromium.close()
