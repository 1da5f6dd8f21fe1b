"""User agents reduced to browser and operating system family."""

from __future__ import annotations

import pytest

from insight_workbench.analyst.user_agents import UNKNOWN, families, family_table

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
EDGE = CHROME_WINDOWS + " Edg/119.0.2151.97"


@pytest.mark.parametrize(
    ("agent", "browser", "system"),
    [
        (CHROME_WINDOWS, "Chrome", "Windows"),
        (SAFARI_IPHONE, "Mobile Safari", "iOS"),
        (FIREFOX_LINUX, "Firefox", "Linux"),
        (EDGE, "Edge", "Windows"),
        (None, UNKNOWN, UNKNOWN),
        ("   ", UNKNOWN, UNKNOWN),
        ("completely unknown agent", UNKNOWN, UNKNOWN),
    ],
)
def test_families(agent, browser, system):
    assert families(agent) == (browser, system)


def test_families_carry_no_version_or_detail():
    browser, system = families(CHROME_WINDOWS)
    assert not any(ch.isdigit() for ch in browser + system)


@pytest.mark.parametrize(
    "agent",
    [
        "someone@example.com-bot/1.0 (+http://example.com)",
        "Mozilla/5.0 (compatible; someone@example.com_bot/1.0)",
        "someone@example.com Bot",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +someone@example.com)",
    ],
)
def test_no_family_holds_an_address(agent):
    # ua-parser copies the name of an unknown bot out of the string
    assert not any("@" in family or "example" in family for family in families(agent))


def test_family_table_has_one_row_per_agent():
    table = family_table([CHROME_WINDOWS, FIREFOX_LINUX])
    assert table == {
        "user_agent": [CHROME_WINDOWS, FIREFOX_LINUX],
        "browser_family": ["Chrome", "Firefox"],
        "os_family": ["Windows", "Linux"],
    }
