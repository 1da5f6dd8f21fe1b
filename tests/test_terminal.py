"""Values from a snapshot cannot drive the terminal: control and bidi characters in every
table the command line prints are shown as visible escapes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from insight_workbench.cli import app
from insight_workbench.commands.schedule_cmd import render_table as schedule_table
from insight_workbench.findings import ScheduleItem
from insight_workbench.terminal import printable
from insight_workbench.testing import build_snapshot

HOSTILE_IP = "1.2.3.4\x1b]0;pwned\x07"
START = datetime(2026, 11, 21, 22, 40, tzinfo=UTC)
RAW = ["\x1b", "\x07", "\x9b", "\x7f", "\u202e", "\u2066"]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (HOSTILE_IP, "1.2.3.4\\x1b]0;pwned\\x07"),
        ("a\tb\r\nc", "a\\tb\\r\\nc"),
        ("\x00\x7f\x85\x9b", "\\x00\\x7f\\x85\\x9b"),
        ("abc\u202edef\u2066x\u2069", "abc\\u202edef\\u2066x\\u2069"),
        ("Zoë 東京 \\x1b", "Zoë 東京 \\x1b"),  # text, accents and backslashes as they are
        (42, "42"),
    ],
)
def test_printable_escapes_controls(value: object, shown: str) -> None:
    assert printable(value) == shown


def test_a_multi_line_message_keeps_its_newlines_only() -> None:
    assert printable("first\nsecond\x1b[2J", keep_newlines=True) == "first\nsecond\\x1b[2J"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A snapshot with a burst of failed logins (ACC-004) from an IP holding an OSC title
    sequence: ESC ] 0 ; pwned BEL."""
    logins = [
        {
            "login_id": f"F{i}",
            "user_id": None,
            "success": False,
            "ip": HOSTILE_IP,
            "ts": (START + timedelta(seconds=10 * i)).isoformat().replace("+00:00", "Z"),
        }
        for i in range(25)
    ]
    return build_snapshot(tmp_path_factory.mktemp("terminal") / "snap", {"logins": logins})


def test_check_table_prints_no_raw_escape_or_bell(hostile: Path) -> None:
    done = CliRunner().invoke(app, ["check", str(hostile), "--rule", "ACC-004"])
    assert done.exit_code == 1, done.output
    assert not any(char in done.output for char in RAW)
    [line] = [line for line in done.output.splitlines() if line.startswith("  ip:")]
    assert line.startswith(
        "  ip:1.2.3.4\\x1b]0;pwned\\x07  -  25 failed logins from IP 1.2.3.4\\x1b"
    )


def test_check_json_still_holds_the_true_value(hostile: Path) -> None:
    done = CliRunner().invoke(app, ["check", str(hostile), "--rule", "ACC-004", "--format", "json"])
    assert '"key": "ip:1.2.3.4\\u001b]0;pwned\\u0007"' in done.output  # JSON escapes it itself


def test_schedule_table_escapes_and_aligns_on_the_escaped_text() -> None:
    items = [
        ScheduleItem("retention", "org:O1\u202e", "2026-12-01T00:00:00Z", "Org \x1b[31mred"),
        ScheduleItem("retention", "org:O22", "2026-12-02T00:00:00Z", "plain"),
    ]
    text = schedule_table(items, "2026-11-28T02:00:00Z", None)
    assert not any(char in text for char in RAW)
    first, second = text.splitlines()[2:]
    assert first.endswith("org:O1\\u202e  Org \\x1b[31mred")
    assert first.index("Org") == second.index("plain")
