"""Every CSV the workbench writes goes through the one writer: `deidentify` datasets,
`check --format csv` and `schedule --format csv` (stdout and --output)."""

from __future__ import annotations

import csv
import io
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from insight_workbench.cli import app
from insight_workbench.commands.check_cmd import render_csv as check_csv
from insight_workbench.commands.schedule_cmd import render_csv as schedule_csv
from insight_workbench.deidentification.aggregates import deidentify
from insight_workbench.findings import Finding, ScheduleItem
from insight_workbench.loading.snapshot import load_snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules.runner import CheckResult
from insight_workbench.testing import build_snapshot

AS_OF = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
HYPERLINK = '=HYPERLINK("http://x","y")'


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.fixture(scope="module")
def snapshot_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three people of an organisation whose id looks like a formula, using features with
    formula-like names (which the analyst vocabulary folds into `other`)."""
    org = {
        "org_id": HYPERLINK,
        "name": "Org O1",
        "product": "local_insight",
        "status": "active",
        "created_at": "2025-01-01T00:00:00Z",
    }
    users = [
        {
            "user_id": f"U{n}",
            "org_id": HYPERLINK,
            "name": f"Person {n}",
            "email": f"u{n}@example.org",
            "role": "user",
            "created_at": "2025-01-01T00:00:00Z",
        }
        for n in range(3)
    ]
    events = [
        {
            "event_id": f"E{kind}{n}",
            "ts": "2026-05-01T09:05:00Z",
            "user_id": f"U{n}",
            "product": "local_insight",
            "event_type": event_type,
        }
        for kind, event_type in enumerate([HYPERLINK, "\u00a0-2+3", "page_view"])
        for n in range(3)
    ]
    folder = tmp_path_factory.mktemp("outputs") / "snap"
    tables = {"organisations": [org], "users": users, "usage_events": events}
    return build_snapshot(folder, tables)


def test_deidentify_neutralises_labels_and_keeps_counts_numeric(
    snapshot_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    deidentify(load_snapshot(snapshot_path), out, AS_OF, min_cell=1)
    raw = (out / "feature_use_by_month.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    [header, *rows] = _rows(raw.decode("utf-8-sig"))
    assert header == ["month", "product", "event_type", "users", "events"]
    assert sorted(rows) == [
        ["2026-05", "local_insight", "other", "3", "6"],
        ["2026-05", "local_insight", "page_view", "3", "3"],
    ]
    assert HYPERLINK not in raw.decode("utf-8-sig")
    assert not [name for name in os.listdir(out) if name.endswith(".tmp")]


def test_check_csv_neutralises_text_cells(snapshot_path: Path) -> None:
    snapshot = load_snapshot(snapshot_path)
    finding = Finding("ACC-004", "@SUM(1+1)", "medium", "-2+3 failed", None)
    result = CheckResult(snapshot, load_policy(), AS_OF, [], [finding])
    assert _rows(check_csv(result)) == [
        ["rule", "key", "severity", "due", "message"],
        ["ACC-004", "'@SUM(1+1)", "medium", "", "'-2+3 failed"],
    ]


def test_schedule_csv_neutralises_text_cells() -> None:
    item = ScheduleItem("retention", " =1+1", "2026-12-01T00:00:00Z", " =cmd|' /C calc'!A0")
    assert _rows(schedule_csv([item]))[1] == [
        "retention",
        "' =1+1",
        "2026-12-01T00:00:00Z",
        "' =cmd|' /C calc'!A0",
    ]
    # A message's tab is shown as `\t` (a message is one line), so nothing is hidden in
    # front of the formula sign.
    tabbed = ScheduleItem("retention", "k", "2026-12-01T00:00:00Z", "\t=cmd|' /C calc'!A0")
    assert _rows(schedule_csv([tabbed]))[1][3] == "\\t=cmd|' /C calc'!A0"


def test_check_output_file_is_written_whole(snapshot_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "findings.csv"
    done = CliRunner().invoke(
        app, ["check", str(snapshot_path), "--format", "csv", "--output", str(target)]
    )
    assert done.exit_code in (0, 1), done.output
    assert _rows(target.read_text(encoding="utf-8"))[0] == [
        "rule",
        "key",
        "severity",
        "due",
        "message",
    ]
    assert os.listdir(tmp_path) == ["findings.csv"]
