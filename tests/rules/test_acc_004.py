"""ACC-004: bursts of failed logins from one IP address, as written in the export."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

START = datetime(2026, 11, 21, 22, 40, tzinfo=UTC)


def failures(
    ip: str, offsets: list[float], users: list[str | None] | None = None, prefix: str = "F"
) -> list[dict[str, object]]:
    """Failed logins from `ip` at START + each offset, cycling through `users`."""
    users = users or ["U1"]
    return [
        {
            "login_id": f"{prefix}{i}",
            "user_id": users[i % len(users)],
            "success": False,
            "ip": ip,
            "ts": (START + timedelta(seconds=s)).isoformat().replace("+00:00", "Z"),
        }
        for i, s in enumerate(offsets)
    ]


def spread(count: int, span: float) -> list[float]:
    return [span * i / (count - 1) for i in range(count)]


MANY = ["U1", "U2", None, "U3"]  # several accounts, and attempts on unknown accounts


@pytest.mark.parametrize(
    ("logins", "expected"),
    [
        (failures("203.0.113.9", spread(20, 900), MANY), ["ip:203.0.113.9"]),  # 900 s
        (failures("203.0.113.9", spread(20, 909), MANY), []),  # 909 s
        (failures("203.0.113.9", spread(19, 60), MANY), []),  # count 19
        (failures("203.0.113.9", spread(20, 60), MANY), ["ip:203.0.113.9"]),  # count 20
        (failures("203.0.113.9", spread(20, 60), [None]), ["ip:203.0.113.9"]),  # unknown accounts
        (failures("2001:db8::1", spread(20, 60), MANY), ["ip:2001:db8::1"]),  # IPv6
        # the IP as written: two spellings of one address are two IPs
        (
            failures("2001:db8::1", spread(10, 60))
            + failures("2001:DB8::1", spread(10, 60), prefix="G"),
            [],
        ),
        (
            failures("203.0.113.9", spread(10, 60))
            + failures("203.0.113.10", spread(10, 60), prefix="G"),
            [],
        ),
    ],
)
def test_failed_login_burst_from_ip(run_rule, logins, expected):
    findings = run_rule("ACC-004", {"logins": logins})
    assert [f.key for f in findings] == expected


def test_successes_do_not_count(run_rule):
    logins = failures("203.0.113.9", spread(20, 60))
    logins[0]["success"] = True
    assert run_rule("ACC-004", {"logins": logins}) == []


def test_evidence_of_the_densest_window(run_rule):
    logins = failures("203.0.113.9", [10 * i for i in range(25)], MANY)
    [finding] = run_rule("ACC-004", {"logins": logins})
    assert (finding.rule, finding.key, finding.severity) == ("ACC-004", "ip:203.0.113.9", "medium")
    assert finding.evidence == {
        "failed_logins": 25,
        "first": "2026-11-21T22:40:00Z",
        "last": "2026-11-21T22:44:00Z",
        "window_minutes": 15,
    }


def test_threshold_comes_from_the_policy(run_rule):
    logins = failures("203.0.113.9", spread(5, 60))
    policy = {"access": {"failed_logins_per_ip": 5}}
    assert [f.key for f in run_rule("ACC-004", {"logins": logins}, policy=policy)] == [
        "ip:203.0.113.9"
    ]


def test_message_of_a_one_minute_window_reads_as_english(run_rule):
    policy = {"access": {"failed_logins_per_ip": 1, "window_minutes": 1}}
    [finding] = run_rule("ACC-004", {"logins": failures("192.0.2.1", [0])}, policy=policy)
    assert finding.message.startswith("1 failed login from IP 192.0.2.1 within 1 minute, from ")
