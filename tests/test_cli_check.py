"""`insight-workbench check` and `schedule`: in-process through the entry point, with one
run of the installed console script for each command."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import pytest
from cli_runner import SCRIPT, run_script
from cli_runner import run_cli as run
from clock_snapshot import EXPECTED_FINDINGS, EXPECTED_SCHEDULE, _org, _processor, _user

from insight_workbench.testing import build_snapshot


@pytest.fixture(scope="module")
def snap(clock_path: Path) -> Path:
    return clock_path


def test_json_output_and_exit_1_with_findings(snap):
    done = run("check", snap, "--format", "json")
    assert done.returncode == 1, done.stderr
    document = json.loads(done.stdout)
    assert [(f["rule"], f["key"]) for f in document["findings"]] == EXPECTED_FINDINGS
    assert document["as_of"] == "2026-11-28T02:00:00Z"
    assert document["snapshot"]["path"] == str(snap)
    assert document["summary"]["findings"] == len(EXPECTED_FINDINGS)


def test_exit_0_without_findings(tmp_path):
    empty = build_snapshot(tmp_path / "empty")
    done = run("check", empty)
    assert (done.returncode, done.stderr) == (0, "")
    assert "No findings." in done.stdout


def test_csv_output(snap):
    done = run("check", snap, "--format", "csv", "--rule", "SAR,TPP-002")
    assert done.returncode == 1
    rows = list(csv.reader(io.StringIO(done.stdout)))
    assert rows[0] == ["rule", "key", "severity", "due", "message"]
    assert [r[:4] for r in rows[1:]] == [
        ["SAR-001", "request:R1", "high", "2026-11-20"],
        ["SAR-002", "request:R3", "medium", "2026-03-02"],
        ["TPP-002", "processor:P1", "medium", ""],
    ]


def test_table_output_is_grouped_and_plain_when_not_a_tty(snap):
    done = run("check", snap)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert "RET-001  retention.closed_account  high  (1)" in lines
    assert "\x1b[" not in done.stdout  # no colour codes in a pipe
    heading = lines.index("TPP-001  third_parties.assessment_before_contract  high  (2)")
    first, second = lines[heading + 1], lines[heading + 2]
    assert first.startswith("  processor:P1")
    assert second.startswith("  processor:P3")
    # the message column starts at the same place on every finding line
    finding_lines = [line for line in lines if line.startswith("  ")]
    starts = {line.index(" Processor") for line in finding_lines if " Processor" in line}
    assert len(starts) == 1
    assert lines[-1].startswith("10 findings: COM-001 1, RET-001 1")


@pytest.mark.parametrize(
    ("args", "codes"),
    [
        (["--rule", "RET"], {"RET-001", "RET-002", "RET-003", "RET-004"}),
        (["--rule", "SAR-001", "--rule", "com"], {"SAR-001", "COM-001"}),
        (["--rule", "TPP,SAR-002"], {"TPP-001", "TPP-002", "SAR-002"}),
    ],
)
def test_rule_prefixes(snap, args, codes):
    done = run("check", snap, "--format", "json", *args)
    assert {f["rule"] for f in json.loads(done.stdout)["findings"]} == codes


def test_output_file(snap, tmp_path):
    target = tmp_path / "findings.json"
    done = run("check", snap, "--format", "json", "--output", target)
    assert (done.returncode, done.stdout) == (1, "")
    assert json.loads(target.read_text())["summary"]["findings"] == len(EXPECTED_FINDINGS)


def test_as_of_date_is_midnight_utc(snap):
    done = run("check", snap, "--format", "json", "--as-of", "2026-12-09", "--rule", "RET-001")
    document = json.loads(done.stdout)
    assert document["as_of"] == "2026-12-09T00:00:00Z"
    assert [f["key"] for f in document["findings"]] == ["org:O1", "org:O2"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rule", "XYZ"], "--rule XYZ"),
        (["--rule", "RET,"], "--rule"),
        (["--as-of", "next tuesday"], "--as-of"),
        (["--format", "xml"], "--format"),
        (["--as-of", "9999-12-31"], "--as-of: must be within years 1 to 9998 in UTC"),
        (["--as-of", "1" * 5000], "--as-of: not a date or an ISO 8601 timestamp"),
        (["--as-of", "20261128T0200"], "--as-of: not a date or an ISO 8601 timestamp"),
        (["--as-of", "9999-12-31T00:00:01Z"], "--as-of: must be within years 1 to 9998 in UTC"),
        (["--output"], "error: Option '--output' requires an argument. (see --help)"),
        (["--rule", "X\nY"], "--rule X\\nY: no rule code starts with it"),
    ],
)
def test_unusable_options_exit_2(snap, args, message):
    done = run("check", snap, *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize("group", [[], ["ledger"], ["reports"]])
def test_a_group_named_alone_shows_its_help_on_its_lines(group):
    done = run(*group)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert lines[0].startswith(" ".join(["Usage: insight-workbench", *group]))
    assert "Commands:" in lines
    assert "\\n" not in done.stderr
    assert done.stdout == ""


def test_bad_policy_file_exits_2_naming_the_key(snap, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text("[subject_requests]\nresponse_months = -1\n")
    done = run("check", snap, "--policy", policy)
    assert done.returncode == 2
    assert "[subject_requests].response_months" in done.stderr
    policy.write_text("[retention]\nclosed_days = 28\n")
    done = run("check", snap, "--policy", policy)
    assert done.returncode == 2
    assert "[retention].closed_days" in done.stderr


def test_policy_file_changes_the_result(snap, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text("[retention]\nclosed_account_days = 7\n")
    done = run("check", snap, "--format", "json", "--rule", "RET-001", "--policy", policy)
    assert [f["key"] for f in json.loads(done.stdout)["findings"]] == ["org:O1", "org:O2"]


def test_unusable_snapshot_exits_2(tmp_path):
    done = run("check", tmp_path / "missing")
    assert done.returncode == 2
    assert "missing" in done.stderr


def test_schedule_json_from_the_console_script(snap):
    done = run_script("schedule", snap, "--format", "json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert list(document) == ["as_of", "items"]
    assert document["as_of"] == "2026-11-28T02:00:00Z"
    assert [(i["kind"], i["key"], i["due"]) for i in document["items"]] == EXPECTED_SCHEDULE
    assert all(list(i) == ["kind", "key", "due", "message"] for i in document["items"])


def test_schedule_within_csv_and_table(snap):
    done = run("schedule", snap, "--within", "30", "--format", "csv")
    rows = list(csv.reader(io.StringIO(done.stdout)))
    assert rows[0] == ["kind", "key", "due", "message"]
    assert [r[1] for r in rows[1:]] == ["org:O2", "request:R2"]
    table = run("schedule", snap, "--as-of", "2026-12-01T00:00:00Z")
    assert table.returncode == 0
    assert table.stdout.splitlines()[0] == "Falling due after 2026-12-01T00:00:00Z: 5 items"
    one_day = run("schedule", snap, "--as-of", "2026-12-01T00:00:00Z", "--within", "1")
    assert one_day.stdout.splitlines()[0].startswith(
        "Falling due after 2026-12-01T00:00:00Z within 1 day: "
    )


@pytest.mark.parametrize("args", [["--within", "-1"], ["--within", "soon"], ["--as-of", "x"]])
def test_schedule_unusable_options_exit_2(snap, args):
    done = run("schedule", snap, *args)
    assert done.returncode == 2
    assert done.stderr.startswith("error: ")
    assert len(done.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("schedule", ["--within", "3000000"]),  # past year 9999: the window ends there
        ("schedule", ["--within", "99999999999"]),
        ("schedule", ["--as-of", "9998-12-31", "--within", "1"]),
        ("usage", ["--as-of", "0001-01-01"]),  # its windows reach back before year 1
    ],
)
def test_windows_reaching_past_the_calendar_end_there(snap, command, args):
    done = run(command, snap, *args)
    assert (done.returncode, done.stderr) == (0, "")


def test_severity_is_coloured_on_a_terminal_from_the_console_script(snap):
    """The console script on a real terminal (a pseudo-terminal: needs a child process)."""
    import os
    import pty

    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    command = [str(SCRIPT), "check", str(snap), "--rule", "SAR"]
    process = subprocess.Popen(command, stdout=follower, stderr=subprocess.DEVNULL, env=env)
    os.close(follower)  # the child holds the terminal now; read until it hangs up
    chunks = []
    try:
        while chunk := os.read(leader, 65536):
            chunks.append(chunk)
    except OSError:  # EIO: the child closed the terminal
        pass
    finally:
        os.close(leader)
    assert process.wait() == 1
    text = b"".join(chunks).decode()
    assert "\x1b[31mhigh\x1b[0m" in text
    assert "\x1b[33mmedium\x1b[0m" in text


def test_json_for_a_folder_named_in_another_encoding_is_valid_utf8(tmp_path):
    """Linux hands Python a non-UTF-8 name as stand-ins for its bytes: the JSON escapes
    them, so the document is valid UTF-8 and names the folder as it is."""
    folder = build_snapshot(tmp_path / "caf\udce9", {})  # "café" named in Latin-1
    done = run(*["check", str(folder), "--format", "json"])
    assert done.returncode == 0, done.stderr
    done.stdout.encode("utf-8")  # no lone stand-in left: strict UTF-8 holds it
    assert "caf\\udce9" in done.stdout
    assert json.loads(done.stdout)["snapshot"]["path"] == str(folder)
    # The default snapshot id is text: a byte that is not UTF-8 is a replacement character.
    assert json.loads(done.stdout)["snapshot"]["snapshot_id"] == "caf\ufffd"


def test_a_folder_named_in_another_encoding_is_recorded_in_the_ledger(tmp_path):
    folder = build_snapshot(tmp_path / "caf\udce9", {})
    env = {"INSIGHT_LEDGER": str(tmp_path / "ledger.sqlite")}
    assert run("check", folder, "--record", env=env).returncode == 0
    runs = json.loads(run("history", "--format", "json", env=env).stdout)["runs"]
    assert [r["snapshot_id"] for r in runs] == ["caf\ufffd"]


def test_a_name_holding_line_breaks_leaves_every_message_one_line(tmp_path):
    processors = [{**_processor("P1", assessment_date="2025-02-01"), "name": "Acme\nLtd\r\u2028x"}]
    snapshot = build_snapshot(
        tmp_path / "s", {"processors": processors}, exported_at="2026-11-28T02:00:00Z"
    )
    done = run("check", snapshot, "--format", "csv")
    rows = list(csv.reader(io.StringIO(done.stdout)))
    keys = [["TPP-001", "processor:P1"], ["TPP-002", "processor:P1"]]
    assert [row[:2] for row in rows[1:]] == keys
    assert all("Acme\\nLtd\\r\\u2028x" in row[4] for row in rows[1:])
    assert len(done.stdout.splitlines()) == 3
    document = json.loads(run("check", snapshot, "--format", "json").stdout)
    assert all(len(f["message"].splitlines()) == 1 for f in document["findings"])
    schedule = run("schedule", snapshot, "--as-of", "2025-01-01", "--format", "json")
    items = json.loads(schedule.stdout)
    assert [item["message"].count("Acme\\nLtd") for item in items["items"]] == [1]


def _closed(closed_at: str) -> list[dict]:
    """Two closed organisations, one with an id of 5,000 characters."""
    return [_org(org_id, "closed", closed_at=closed_at) for org_id in ("O" * 5000, "O1")]


def test_a_very_long_key_does_not_widen_every_line(tmp_path):
    """An id of 5,000 characters pushed every other finding's message 5,000 columns
    to the right; it now pushes only its own line."""
    orgs = _closed("2025-01-01T00:00:00Z")
    users = [_user(f"U{i}", org["org_id"]) for i, org in enumerate(orgs)]
    snapshot = build_snapshot(tmp_path / "s", {"organisations": orgs, "users": users})
    done = run("check", snapshot, "--rule", "RET-001")
    [short] = [line for line in done.stdout.splitlines() if line.startswith("  org:O1 ")]
    assert len(short) < 200
    assert short.index("2025-01-29") == len("  ") + 40 + len("  ")


def test_a_very_long_key_does_not_widen_every_line_of_the_schedule(tmp_path):
    orgs = _closed("2026-11-20T00:00:00Z")  # due 18 December: after the export
    snapshot = build_snapshot(tmp_path / "s", {"organisations": orgs})
    done = run("schedule", snapshot)
    [short] = [line for line in done.stdout.splitlines() if " org:O1 " in line]
    assert len(short) < 200


def test_files_nothing_reads_are_named_on_stderr(tmp_path):
    """`admin_views.csv.gz` left the optional table absent: ACC-005 judged no admin view
    and `check` said nothing, while `validate` and `ingest` named the file. One line on
    stderr names it, as `validate` does; the findings on stdout are those without it."""
    snapshot = build_snapshot(tmp_path / "s")
    before = run("check", snapshot, "--format", "json", "--quiet")
    (snapshot / "admin_views.csv.gz").write_bytes(b"view_id,ts,viewer_user_id,org_id\n")
    (snapshot / "notes\x1b[2J.txt").write_bytes(b"x\n")
    for fmt in ("table", "json", "csv"):
        done = run("check", snapshot, "--format", fmt, "--quiet")
        assert done.returncode == 0, done.stderr
        assert done.stderr.splitlines() == [
            "Not read (named like table admin_views, which is absent: a table is read from "
            "admin_views.csv or admin_views.parquet only): admin_views.csv.gz",
            "Not read (not a table's file, the manifest or the deidentified/ folder): "
            "notes\\x1b[2J.txt",
        ]
        assert "admin_views.csv.gz" not in done.stdout
        if fmt == "json":
            assert json.loads(done.stdout) == json.loads(before.stdout)
