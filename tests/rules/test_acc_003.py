"""ACC-003: bursts of failed logins on one account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

START = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def failures(
    user_id: str | None,
    offsets: list[float],
    ip: str = "192.0.2.1",
    prefix: str = "F",
    success: bool = False,
) -> list[dict[str, object]]:
    """Logins of `user_id` at START + each offset (seconds)."""
    return [
        {
            "login_id": f"{prefix}{i}",
            "user_id": user_id,
            "success": success,
            "ip": ip,
            "ts": (START + timedelta(seconds=s)).isoformat().replace("+00:00", "Z"),
        }
        for i, s in enumerate(offsets)
    ]


def spread(count: int, span: float) -> list[float]:
    """`count` offsets from 0 to `span` seconds, evenly spaced."""
    return [span * i / (count - 1) for i in range(count)]


@pytest.mark.parametrize(
    ("logins", "expected"),
    [
        (failures("U1", spread(10, 900)), ["user:U1"]),  # last - first = 900 s exactly
        (failures("U1", spread(10, 909)), []),  # 909 s: no 10 within any 15 minutes
        (failures("U1", spread(9, 60)), []),  # count 9
        (failures("U1", spread(10, 60)), ["user:U1"]),  # count 10
        (failures("U1", [0] * 10), ["user:U1"]),  # ten at the same instant
        (failures("U1", spread(9, 60)) + failures("U1", [30], prefix="S", success=True), []),
        (failures(None, spread(10, 60)), []),  # unknown account: an IP matter only
        (failures("U1", spread(5, 60)) + failures("U2", spread(5, 60), prefix="G"), []),
        # 9 early, then one more 901 s after the first: the window slides but never holds 10
        (failures("U1", [*spread(9, 100), 901]), []),
        # only a window that starts at a later failure (800 s .. 1700 s) holds 10
        (failures("U1", [0, *range(800, 880, 10), 1690, 1700]), ["user:U1"]),
        (failures("U1", [0, *range(800, 880, 10), 1690, 1701]), []),
    ],
)
def test_failed_login_burst(run_rule, logins, expected):
    findings = run_rule("ACC-003", {"logins": logins})
    assert [f.key for f in findings] == expected


def test_offsets_are_compared_as_instants(run_rule):
    logins = failures("U1", spread(9, 600))
    # 03:15:00+01:00 is 02:15:00Z, before the others; 04:15:00+01:00 is 03:15:00Z = first + 900 s
    logins.append(
        {
            "login_id": "X1",
            "user_id": "U1",
            "success": False,
            "ip": "192.0.2.1",
            "ts": "2026-11-20T04:15:00+01:00",
        }
    )
    assert [f.key for f in run_rule("ACC-003", {"logins": logins})] == ["user:U1"]
    logins[-1]["ts"] = "2026-11-20T04:15:01+01:00"
    assert run_rule("ACC-003", {"logins": logins}) == []


def test_evidence_is_the_densest_window(run_rule):
    # 10 within 900 s from 03:00, then 14 packed into 03:40..03:46:30: the densest has 14.
    logins = failures("U1", spread(10, 900)) + failures(
        "U1", [2400 + 30 * i for i in range(14)], prefix="G"
    )
    [finding] = run_rule("ACC-003", {"logins": logins})
    assert finding.evidence == {
        "failed_logins": 14,
        "first": "2026-11-20T03:40:00Z",
        "last": "2026-11-20T03:46:30Z",
        "window_minutes": 15,
    }
    assert (finding.rule, finding.severity, finding.due) == ("ACC-003", "medium", None)


def test_window_times_keep_their_fraction_of_a_second(run_rule):
    logins = failures("U1", [0.25 + 10 * i for i in range(9)] + [90.5])
    [finding] = run_rule("ACC-003", {"logins": logins})
    assert (finding.evidence["first"], finding.evidence["last"]) == (
        "2026-11-20T03:00:00.25Z",
        "2026-11-20T03:01:30.5Z",
    )


def test_thresholds_come_from_the_policy(run_rule):
    logins = failures("U1", spread(3, 60))
    policy = {"access": {"failed_logins_per_account": 3, "window_minutes": 1}}
    assert [f.key for f in run_rule("ACC-003", {"logins": logins}, policy=policy)] == ["user:U1"]
    wider = failures("U1", spread(3, 61))
    assert run_rule("ACC-003", {"logins": wider}, policy=policy) == []


def test_message_of_a_one_minute_window_reads_as_english(run_rule):
    policy = {"access": {"failed_logins_per_account": 1, "window_minutes": 1}}
    [finding] = run_rule("ACC-003", {"logins": failures("U1", [0])}, policy=policy)
    assert finding.message.startswith("1 failed login on account U1 within 1 minute, from ")
