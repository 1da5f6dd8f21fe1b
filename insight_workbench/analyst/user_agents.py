"""User agents reduced to browser and operating system family (no versions, no device).

A full user-agent string, with its versions, plug-ins and build numbers, can
single a person out; its browser and OS families cannot. Parsing uses the
maintained `ua-parser` package (the uap-core regexes), once per distinct string.
ua-parser copies the name of an unknown client out of the string itself, so a
family is kept only when it is on the closed lists of `vocabulary.py`.
"""

from __future__ import annotations

from collections.abc import Iterable

import ua_parser

from insight_workbench.analyst.vocabulary import BROWSER_FAMILIES, OS_FAMILIES, OTHER_FAMILY, closed

UNKNOWN = OTHER_FAMILY


def families(user_agent: str | None) -> tuple[str, str]:
    """(browser family, OS family) of one user-agent string; "Other" when unknown."""
    if not user_agent or not user_agent.strip():
        return UNKNOWN, UNKNOWN
    browser = ua_parser.parse_user_agent(user_agent)
    system = ua_parser.parse_os(user_agent)
    return (
        closed(browser.family if browser else None, BROWSER_FAMILIES, UNKNOWN),
        closed(system.family if system else None, OS_FAMILIES, UNKNOWN),
    )


def family_table(user_agents: Iterable[str]) -> dict[str, list[str]]:
    """Columns user_agent, browser_family, os_family for each distinct string given."""
    columns: dict[str, list[str]] = {"user_agent": [], "browser_family": [], "os_family": []}
    for agent in user_agents:
        browser, system = families(agent)
        columns["user_agent"].append(agent)
        columns["browser_family"].append(browser)
        columns["os_family"].append(system)
    return columns
