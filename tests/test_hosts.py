"""The host allow-list against DNS rebinding: which names and origins a session may use."""

from __future__ import annotations

import pytest

from insight_workbench.dashboard.hosts import LOCAL_HOSTS, allowed_hosts, refused


@pytest.mark.parametrize("configured", [None, [], ["*"], [" ", "*"]])
def test_without_a_list_local_mode_answers_only_the_loopback_names(configured) -> None:
    assert allowed_hosts(configured, signed_in_mode=False) == ("localhost", "127.0.0.1")


@pytest.mark.parametrize("configured", [None, [], ["*"]])
def test_without_a_list_sign_in_mode_answers_no_name(configured) -> None:
    assert allowed_hosts(configured, signed_in_mode=True) == ()


def test_configured_names_are_trimmed_and_lowercased() -> None:
    names = allowed_hosts([" Workbench.Example.org. ", "*", "*.Example.net"], True)
    assert names == ("workbench.example.org", "*.example.net")


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "localhost:8501", "Origin": "http://localhost:8501"},
        {"Host": "127.0.0.1:9999", "Origin": "http://127.0.0.1:9999"},
        {"Host": "LOCALHOST"},  # no Origin: not a browser, so not a rebinding
    ],
)
def test_loopback_names_are_answered_whatever_the_port(headers) -> None:
    assert not refused(headers, LOCAL_HOSTS)


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "rebind.attacker.test:8501", "Origin": "http://rebind.attacker.test:8501"},
        {"Host": "rebind.attacker.test"},
        {"Host": "localhost:8501", "Origin": "http://rebind.attacker.test:8501"},
        {"Host": "localhost", "Origin": "null"},
        {"Host": "localhost.attacker.test"},
        {"Host": "localhost@attacker.test"},
        {"Host": "localhost:notaport"},
        {"Host": "[::1]:8501"},
        {},
    ],
)
def test_other_names_and_origins_are_refused(headers) -> None:
    assert refused(headers, LOCAL_HOSTS)


def test_a_wildcard_matches_subdomains_only() -> None:
    allowed = ("*.example.org",)
    assert not refused({"Host": "workbench.example.org"}, allowed)
    assert refused({"Host": "example.org"}, allowed)
    assert refused({"Host": "badexample.org"}, allowed)
