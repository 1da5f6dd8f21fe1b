"""COM-001: optional messages sent after the user opted out of their category."""

from __future__ import annotations

import pytest
from snapshot_rows import message, org, preference, user

SENT = "2026-05-10T12:00:00Z"
BASE = {"organisations": [org("O1")], "users": [user("U1"), user("U2")]}


def found(run_rule, prefs, category="promotional", policy=None) -> list[str]:
    tables = {**BASE, "communications": [message("M1", "U1", SENT, category)], "preferences": prefs}
    return [f.key for f in run_rule("COM-001", tables, policy=policy)]


@pytest.mark.parametrize(
    ("prefs", "category", "expected"),
    [
        ([], "promotional", []),  # no opt-out row: not opted out
        ([preference("U1", "2026-05-01T00:00:00Z", True)], "promotional", ["message:M1"]),
        ([preference("U1", SENT, True)], "promotional", ["message:M1"]),  # at sent_at
        ([preference("U1", "2026-05-10T12:00:01Z", True)], "promotional", []),  # after
        # opt-out then opt-in: subscribed again
        (
            [
                preference("U1", "2026-04-01T00:00:00Z", True),
                preference("U1", "2026-05-01T00:00:00Z", False),
            ],
            "promotional",
            [],
        ),
        # opt-in then opt-out
        (
            [
                preference("U1", "2026-04-01T00:00:00Z", False),
                preference("U1", "2026-05-01T00:00:00Z", True),
            ],
            "promotional",
            ["message:M1"],
        ),
        # an opt-in after sending does not excuse it
        (
            [
                preference("U1", "2026-04-01T00:00:00Z", True),
                preference("U1", "2026-05-11T00:00:00Z", False),
            ],
            "promotional",
            ["message:M1"],
        ),
        # opted out of the other category only
        ([preference("U1", "2026-05-01T00:00:00Z", True, "product_update")], "promotional", []),
        (
            [preference("U1", "2026-05-01T00:00:00Z", True, "product_update")],
            "product_update",
            ["message:M1"],
        ),
        # someone else's opt-out
        ([preference("U2", "2026-05-01T00:00:00Z", True)], "promotional", []),
        # messages that cannot be opted out of
        ([preference("U1", "2026-05-01T00:00:00Z", True)], "technical", []),
        ([preference("U1", "2026-05-01T00:00:00Z", True)], "service_notice", []),
    ],
)
def test_sent_after_opt_out(run_rule, prefs, category, expected):
    assert found(run_rule, prefs, category) == expected


@pytest.mark.parametrize(
    ("changed_at", "expected"),
    [
        ("2026-05-09T12:00:01Z", []),  # 23:59:59 before sending: within the 24 h grace
        ("2026-05-09T12:00:00Z", ["message:M1"]),  # exactly the grace
        ("2026-05-09T11:00:00Z", ["message:M1"]),
    ],
)
def test_grace_hours(run_rule, changed_at, expected):
    prefs = [preference("U1", changed_at, True)]
    policy = {"communications": {"opt_out_grace_hours": 24}}
    assert found(run_rule, prefs, policy=policy) == expected


def test_grace_uses_the_state_before_the_recent_change(run_rule):
    prefs = [
        preference("U1", "2026-04-01T00:00:00Z", True),
        preference("U1", "2026-05-10T00:00:00Z", False),
    ]  # opt-in 12 h before sending
    policy = {"communications": {"opt_out_grace_hours": 24}}
    assert found(run_rule, prefs, policy=policy) == ["message:M1"]


def test_finding_names_message_user_and_opt_out(run_rule):
    tables = {
        **BASE,
        "communications": [message("M1", "U1", SENT)],
        "preferences": [preference("U1", "2026-05-01T08:00:00Z", True)],
    }
    [finding] = run_rule("COM-001", tables)
    assert (finding.severity, finding.due) == ("high", None)
    assert finding.evidence == {
        "user_id": "U1",
        "category": "promotional",
        "sent_at": "2026-05-10T12:00:00Z",
        "opted_out_at": "2026-05-01T08:00:00Z",
        "channel": "unsubscribe_link",
    }
    assert finding.message == (
        "Promotional message sent 2026-05-10 to user U1, who opted out "
        "on 2026-05-01 (via unsubscribe_link)"
    )
