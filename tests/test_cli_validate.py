"""`validate` and `manifest` on the command line (docs/cli.md): in-process through the
entry point, with one run of the installed console script for each command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import run_cli, run_script
from loader_checks import PLANTED, replace_file, valid_snapshot

from insight_workbench.commands.validate_cmd import render_table
from insight_workbench.loading.schema import TABLES

LOGINS = "login_id,ts,user_id,success,ip,user_agent,referrer\n"


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


def quarantined(folder: Path) -> Path:
    content = (
        LOGINS
        + "L1,2026-01-05T09:00:00Z,U1,true,10.0.0.1,,\n"
        + f"L2,{PLANTED},U1,true,10.0.0.2,,\n"
        + f"L3,2026-01-05T09:00:00Z,U1,true,{PLANTED}\n"
    )
    return replace_file(folder, "logins", content.encode(), 3)


def test_clean_snapshot_exits_0(tmp_path: Path) -> None:
    result = run_cli("validate", valid_snapshot(tmp_path / "s"))
    assert result.returncode == 0, result.stderr
    assert "Every row loaded." in result.stdout
    assert "logins.csv" in result.stdout
    assert result.stderr == ""


def test_clean_snapshot_as_json(tmp_path: Path) -> None:
    result = run_cli("validate", valid_snapshot(tmp_path / "s"), "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["snapshot_id"] == "s"
    assert report["exported_at"] == "2026-11-28T02:00:00Z"
    assert [t["table"] for t in report["tables"]] == list(TABLES)
    logins = next(t for t in report["tables"] if t["table"] == "logins")
    assert logins == {
        "table": "logins",
        "file": "logins.csv",
        "rows_in_file": 1,
        "rows_loaded": 1,
        "rows_rejected": 0,
    }
    assert (report["rows_rejected_total"], report["rejects"]) == (0, [])
    assert (report["credential_columns"], report["orphans"]) == ([], [])
    assert report["not_judged"] == []


def test_quarantined_rows_exit_1_without_values(tmp_path: Path) -> None:
    folder = quarantined(valid_snapshot(tmp_path / "s"))
    result = run_cli("validate", folder, "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["rows_rejected_total"] == 2
    assert report["rejects"] == [
        {"table": "logins", "row": 2, "column": "ts", "reason": "not an ISO 8601 timestamp"},
        {"table": "logins", "row": 3, "column": None, "reason": "has 5 fields, the header has 7"},
    ]
    assert PLANTED not in result.stdout + result.stderr
    table = run_cli("validate", folder)
    assert table.returncode == 1
    assert "logins row 2, column ts: not an ISO 8601 timestamp" in table.stdout
    assert "logins row 3, column (whole row): has 5 fields" in table.stdout
    assert "2 rows quarantined." in table.stdout
    assert PLANTED not in table.stdout + table.stderr


def test_credential_columns_and_orphans_are_listed(tmp_path: Path) -> None:
    folder = valid_snapshot(tmp_path / "s")
    replace_file(
        folder,
        "logins",
        (
            LOGINS.strip()
            + ",session_token\n"
            + f"L1,2026-01-05T09:00:00Z,U9,true,1.2.3.4,,,{PLANTED}\n"
        ).encode(),
        1,
    )
    result = run_cli("validate", folder)
    assert result.returncode == 0, result.stderr
    assert "Credential column not loaded: logins.session_token" in result.stdout
    assert "Foreign key without parent: logins.user_id -> users: 1 row" in result.stdout
    assert PLANTED not in result.stdout


def test_files_under_deidentified_that_no_rule_judges_are_named(tmp_path: Path) -> None:
    """A release as a spreadsheet, or a sidecar whose dataset is gone, passed without a
    word: the DEID rules read CSV and Parquet datasets only."""
    snapshot = valid_snapshot(tmp_path / "s")
    released = snapshot / "deidentified"
    released.mkdir(exist_ok=True)
    (released / "regions.xlsx").write_bytes(b"PK")
    (released / "gone.meta.json").write_text("{}", encoding="utf-8")
    (released / ".DS_Store").write_bytes(b"")
    (released / "kept.csv").write_text("region,count\nnorth,12\n", encoding="utf-8")
    (released / "kept.meta.json").write_text('{"kind": "aggregate"}', encoding="utf-8")
    as_json = run_cli("validate", snapshot, "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    unjudged = ["deidentified/gone.meta.json", "deidentified/regions.xlsx"]
    assert json.loads(as_json.stdout)["not_judged"] == unjudged
    table = run_cli("validate", snapshot).stdout
    for name in unjudged:
        assert f"Not judged by the DEID rules (not a CSV or Parquet dataset): {name}" in table


def test_refused_snapshot_exits_2_from_the_console_script(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A cache of its own: the run is a first load, as a new user's would be.
    monkeypatch.setenv("INSIGHT_CACHE_DIR", str(tmp_path / "cache"))
    folder = valid_snapshot(tmp_path / "s")
    (folder / "users.csv").write_text("user_id\nU1\n", encoding="utf-8")
    result = run_script("validate", folder)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "users: sha256 of users.csv" in one_error_line(result.stderr)


def test_bad_format_option_exits_2(tmp_path: Path) -> None:
    result = run_cli("validate", valid_snapshot(tmp_path / "s"), "--format", "xml")
    assert result.returncode == 2
    assert "--format" in one_error_line(result.stderr)


def test_help_describes_every_option() -> None:
    validate = run_cli("validate", "--help")
    assert validate.returncode == 0
    assert "--format" in validate.stdout
    manifest = run_cli("manifest", "--help")
    for option in ("--exported-at", "--snapshot-id", "--timezone"):
        assert option in manifest.stdout


def exports(folder: Path) -> Path:
    """A folder of export files without a manifest."""
    valid_snapshot(folder, deidentified={"agg": ([{"month": "2026-01", "n": "12"}], None)})
    (folder / "manifest.json").unlink()
    return folder


def test_manifest_from_the_console_script_then_validate(tmp_path: Path) -> None:
    folder = exports(tmp_path / "export")
    result = run_script(
        "manifest",
        folder,
        "--exported-at",
        "2026-07-01T10:00:00",
        "--timezone",
        "Europe/London",
        "--snapshot-id",
        "july",
    )
    assert result.returncode == 0, result.stderr
    document = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert document["snapshot_id"] == "july"
    assert document["exported_at"] == "2026-07-01T09:00:00Z"
    assert document["timezone"] == "Europe/London"
    assert document["tables"]["logins"]["rows"] == 1
    assert "deidentified/agg" in document["tables"]
    assert run_cli("validate", folder).returncode == 0


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ((), "--exported-at is required"),
        (("--exported-at", "someday"), "--exported-at: not an ISO 8601 timestamp"),
        (("--exported-at", "9999-06-01T00:00:00Z"), "--exported-at: must be within years 1 to"),
        (
            ("--exported-at", "9998-12-31T23:00:00-05:00"),
            "--exported-at: must be within years 1 to 9998 in UTC",
        ),
        (("--exported-at", "2026-03-30T12:00:00.0000001Z"), "--exported-at: finer than a micro"),
        (("--exported-at", "20260330T120000.0000001Z"), "--exported-at: finer than a micro"),
        (("--exported-at", "2026-07-01T10:00:00Z", "--timezone", "Mars/Base"), "--timezone"),
        (
            ("--exported-at", "2026-07-01T10:00:00Z", "--snapshot-id", "  "),
            "--snapshot-id: must not be blank",
        ),
    ],
)
def test_manifest_refuses_bad_options(tmp_path: Path, options: tuple[str, ...], says: str) -> None:
    folder = exports(tmp_path / "export")
    result = run_cli("manifest", folder, *options)
    assert result.returncode == 2
    assert says in one_error_line(result.stderr)
    assert not (folder / "manifest.json").exists()


@pytest.mark.parametrize(
    ("breaks", "says"),
    [
        (lambda f: (f / "users.csv").unlink(), "users.csv: required table 'users' is missing"),
        (lambda f: (f / "users.csv").write_bytes(b""), "users.csv: the file is empty"),
        (lambda f: (f / "users.parquet").write_bytes(b"x"), "both users.csv and users.parquet"),
    ],
)
def test_manifest_refuses_unusable_exports(tmp_path: Path, breaks, says: str) -> None:
    folder = exports(tmp_path / "export")
    breaks(folder)
    result = run_cli("manifest", folder, "--exported-at", "2026-07-01T10:00:00Z")
    assert result.returncode == 2
    assert says in one_error_line(result.stderr)


@pytest.mark.parametrize(
    ("file", "content", "says"),
    [
        (
            "logins.csv",
            LOGINS
            + "L1,2026-01-05T09:00:00Z,U1,true,10.0.0.1,,\n"
            + f'L2,2026-01-05T09:00:00Z,U1,true,10.0.0.2,"{PLANTED},\n'
            + "L3,2026-01-05T09:00:00Z,U1,true,10.0.0.3,,\n",
            "logins.csv: a quoted field opened on line 3 (record 2) is never closed",
        ),
        (  # record 2 starts on line 3; its first field, quoted over two lines, closes
            "deidentified/agg.csv",
            f'month,n\n2026-01,12\n"2026-\n02","{PLANTED}\n2026-03,14\n',
            "deidentified/agg.csv: a quoted field opened on line 4 (record 2) is never closed",
        ),
    ],
)
def test_manifest_refuses_a_quote_never_closed(
    tmp_path: Path, file: str, content: str, says: str
) -> None:
    """Counted as the loader reads it, the rest of the file was one record: the manifest
    certified a count one short of the records written, which the load then matched."""
    folder = exports(tmp_path / "export")
    (folder / file).write_text(content, encoding="utf-8")
    result = run_cli("manifest", folder, "--exported-at", "2026-07-01T10:00:00Z")
    assert result.returncode == 2, result.stdout
    line = one_error_line(result.stderr)
    assert f"error: {says}, so the rest of the file reads as one record" in line
    assert PLANTED not in line
    assert not (folder / "manifest.json").exists()


def test_manifest_of_a_missing_folder(tmp_path: Path) -> None:
    result = run_cli("manifest", tmp_path / "nowhere", "--exported-at", "2026-07-01T10:00:00Z")
    assert result.returncode == 2
    assert "not a folder" in one_error_line(result.stderr)


def test_one_quarantined_row_is_said_in_the_singular(tmp_path: Path) -> None:
    folder = quarantined(valid_snapshot(tmp_path / "s"))
    report = json.loads(run_cli("validate", folder, "--format", "json").stdout)
    report["rejects"] = report["rejects"][:1]
    report["rows_rejected_total"] = 1
    assert "\n1 row quarantined.\n" in render_table(report)


def test_python_dash_m_runs_the_same_command_line(tmp_path: Path) -> None:
    """`python -m insight_workbench`: where the console script is not on PATH."""
    folder = quarantined(valid_snapshot(tmp_path / "s"))
    done = subprocess.run(
        [sys.executable, "-m", "insight_workbench", "validate", folder],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "INSIGHT_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert (done.returncode, done.stderr) == (1, "")
    assert "2 rows quarantined." in done.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "insight_workbench", "validate", "--format", "xml", folder],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert bad.returncode == 2
    assert one_error_line(bad.stderr) == "error: --format: must be table or json"


@pytest.mark.parametrize("name", ["admin_views.csv.gz", "Admin_Views.csv", "admin_views.tsv"])
def test_a_table_under_another_name_is_named_not_ignored(tmp_path: Path, name: str) -> None:
    """`admin_views` exported compressed, in another case or as TSV: the table read as
    absent ("Every row loaded.") and nothing said why."""
    snapshot = valid_snapshot(tmp_path / "s")
    (snapshot / name).write_bytes(b"view_id,ts,viewer_user_id,org_id\n")
    table = run_cli("validate", snapshot)
    assert table.returncode == 0, table.stderr  # not refused
    assert (
        "Not read (named like table admin_views, which is absent: a table is read from "
        f"admin_views.csv or admin_views.parquet only): {name}"
    ) in table.stdout
    [found] = json.loads(run_cli("validate", snapshot, "--format", "json").stdout)["not_read"]
    assert (found["file"], found["named_like"]) == (name, "admin_views")
    ingest = run_cli("ingest", snapshot, "--quiet")
    assert ingest.returncode == 0, ingest.stderr
    assert "named like table admin_views, which is absent" in ingest.stdout
    assert name in ingest.stdout


def test_other_top_level_files_are_named_escaped(tmp_path: Path) -> None:
    snapshot = valid_snapshot(tmp_path / "s")
    (snapshot / "users.csv.bak").write_bytes(b"x\n")
    (snapshot / "notes\x1b[2J.txt").write_bytes(b"x\n")
    (snapshot / "extra").mkdir()
    (snapshot / ".DS_Store").write_bytes(b"")
    table = run_cli("validate", snapshot).stdout
    assert "Not read (named like table users, which is read from users.csv): users.csv.bak" in (
        table
    )
    assert (
        "Not read (not a table's file, the manifest or the deidentified/ folder): notes\\x1b[2J.txt"
    ) in table
    assert "\x1b" not in table
    assert "): extra/" in table
    assert ".DS_Store" not in table
    report = json.loads(run_cli("validate", snapshot, "--format", "json").stdout)
    assert [f["file"] for f in report["not_read"]] == [
        "extra/",
        "notes\x1b[2J.txt",
        "users.csv.bak",
    ]


def test_a_clean_snapshot_has_nothing_unread(tmp_path: Path) -> None:
    snapshot = valid_snapshot(tmp_path / "s")
    (snapshot / "deidentified").mkdir()
    (snapshot / "deidentified" / "agg.csv").write_text("region,n\nnorth,12\n", encoding="utf-8")
    report = json.loads(run_cli("validate", snapshot, "--format", "json").stdout)
    assert report["not_read"] == []
    assert "Not read" not in run_cli("ingest", snapshot, "--quiet").stdout


def test_the_sample_generator_s_own_files_are_not_named(sample_path: Path) -> None:
    """planted.json (and the large preset's preset.json): the workbench's own, known."""
    assert (sample_path / "planted.json").is_file()
    report = json.loads(run_cli("validate", sample_path, "--format", "json").stdout)
    assert report["not_read"] == []


@pytest.mark.parametrize(
    ("name", "like"),
    [
        ("ADMIN_VIEWS.csv", "admin_views"),
        ("admin-views.csv", "admin_views"),
        ("user.csv", "users"),
        ("adminviews.parquet", "admin_views"),
        ("deidentified.zip", "deidentified"),
        ("notes.txt", None),
        ("users_2025.csv", None),
    ],
)
def test_names_like_a_table(name: str, like: str | None) -> None:
    from insight_workbench.loading.manifest import named_like

    assert named_like(name) == like


def test_a_required_table_under_another_name_is_said_when_refused(tmp_path: Path) -> None:
    snapshot = valid_snapshot(tmp_path / "s")
    (snapshot / "logins.csv").rename(snapshot / "Logins.csv")
    result = run_cli("validate", snapshot)
    assert result.returncode == 2
    assert one_error_line(result.stderr) == (
        "error: logins.csv: required table 'logins' is missing (Logins.csv is not read: "
        "a table is read from logins.csv or logins.parquet only)"
    )
