"""`insight-workbench evidence`: the register and certificates written from a recorded
ledger (tests/deletion_snapshots.py), as JSON and as printable HTML, whole or not at all."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from collections.abc import Iterator
from html import escape
from pathlib import Path

import pytest
from cli_runner import run_cli
from deletion_snapshots import (
    build_quarantining,
    decide,
    expected_records,
    record,
)
from sqlalchemy import text as sql_text

from insight_workbench.ledger.database import open_ledger
from insight_workbench.ledger.evidence_files import certificate_name
from insight_workbench.ledger.runs import record_run
from insight_workbench.loading.snapshot import load_snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules.runner import CheckResult, run_check
from insight_workbench.testing import build_snapshot

HOSTILE = "O9<script>alert('x')</script>&\"/../.."


@pytest.fixture
def ledger(deletions_ledger: str) -> dict[str, str]:
    """The environment of a command reading a ledger holding the four months."""
    return {"INSIGHT_LEDGER": deletions_ledger}


def evidence(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_cli("evidence", *args, env=env)


def test_json_register_and_certificates(
    ledger: dict[str, str], deletion_months: dict[str, CheckResult], tmp_path: Path
) -> None:
    out = tmp_path / "evidence"
    done = evidence(ledger, "--out", out, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert "6 records (4 late) from 4 recorded runs" in done.stdout
    expected = expected_records(deletion_months)
    assert json.loads((out / "register.json").read_text(encoding="utf-8")) == {"records": expected}
    certificates = sorted(p.name for p in (out / "certificates").iterdir())
    assert certificates == sorted(f"{certificate_name(r['key'])}.json" for r in expected)
    for entry in expected:
        file = out / "certificates" / f"{certificate_name(entry['key'])}.json"
        assert json.loads(file.read_text(encoding="utf-8")) == entry
    assert (out / "register.json").stat().st_mode & 0o077 == 0


def test_one_key(
    ledger: dict[str, str], deletion_months: dict[str, CheckResult], tmp_path: Path
) -> None:
    done = evidence(ledger, "--key", "request:R1", "--out", tmp_path / "one", "--format", "json")
    assert done.returncode == 0, done.stderr
    register = json.loads((tmp_path / "one" / "register.json").read_text(encoding="utf-8"))
    assert register == {"records": [expected_records(deletion_months)[-1]]}
    assert len(list((tmp_path / "one" / "certificates").iterdir())) == 1


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_runs SET exported_at = 'garbage' WHERE run_id = "
        "(SELECT min(run_id) FROM ledger_runs)",
        "UPDATE ledger_holdings SET rows = 'nope'",
        'UPDATE ledger_holdings SET rows = \'{"users": "many"}\'',
    ],
)
def test_a_value_changed_outside_the_workbench_is_exit_2_and_writes_nothing(
    ledger: dict[str, str], tmp_path: Path, statement: str
) -> None:
    """Not a register built on a value the workbench never wrote (a run taken as the
    latest because its time is text that sorts last)."""
    with open_ledger(ledger["INSIGHT_LEDGER"]).engine.begin() as connection:
        connection.execute(sql_text(statement))
    done = evidence(ledger, "--out", tmp_path / "evidence", "--format", "json")
    assert done.returncode == 2
    assert "the ledger (INSIGHT_LEDGER) holds a" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "evidence").exists()


def test_a_certificate_says_what_its_clearing_snapshot_does_not_cover(
    ledger_setting: str, deletion_months: dict[str, CheckResult], tmp_path: Path
) -> None:
    """November's export still holds U1 (org:O1), their row quarantined; October was
    recorded with the retention rules only. Every certificate resting on those two says
    so, in JSON, on the page and on stdout, and none repeats a value of the export."""
    record(ledger_setting, deletion_months, ["2026-09"])
    ledger = open_ledger(ledger_setting)
    october = run_check(deletion_months["2026-10"].snapshot, load_policy(), prefixes=["RET"])
    record_run(ledger, october, source="cli", by="dpo")
    november = load_snapshot(build_quarantining(tmp_path / "snapshots", "2026-11", "U1"))
    record_run(ledger, run_check(november, load_policy()), source="cli", by="dpo")
    env = {"INSIGHT_LEDGER": ledger_setting}
    done = evidence(env, "--out", tmp_path / "json", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert "5 records (3 late) from 3 recorded runs" in done.stdout
    assert "5 records not covering every row of their first clear snapshot" in done.stdout
    register = json.loads((tmp_path / "json" / "register.json").read_text(encoding="utf-8"))
    found = {r["key"]: r for r in register["records"]}
    assert found["org:O1"]["first_clear"]["quarantined_rows"] == {"users": 1, "logins": 1}
    assert found["org:O1"]["verdict"] == "late"
    assert "quarantined 1 row of users and 1 row of logins" in found["org:O1"]["not_covered"]
    assert found["org:O2"]["first_clear"]["quarantined_rows"] is None
    assert "ran DQ-001" in found["org:O2"]["not_covered"]
    certificate = tmp_path / "json" / "certificates" / f"{certificate_name('org:O1')}.json"
    assert json.loads(certificate.read_text(encoding="utf-8")) == found["org:O1"]
    done = evidence(env, "--out", tmp_path / "html")
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "html" / "certificates" / f"{certificate_name('org:O1')}.html").read_text(
        encoding="utf-8"
    )
    assert "quarantined 1 row of users and 1 row of logins" in page
    assert "1 quarantined in users, 1 quarantined in logins" in page
    assert "not known (DQ-001 not run)" in (tmp_path / "html" / "register.html").read_text(
        encoding="utf-8"
    )
    for folder in (tmp_path / "json", tmp_path / "html"):
        for file in folder.rglob("*.*"):
            text = file.read_text(encoding="utf-8")
            assert "example.org" not in text
            assert "Sam Roe" not in text


def test_a_key_without_a_record_says_why(ledger: dict[str, str], tmp_path: Path) -> None:
    done = evidence(ledger, "--key", "org:O3", "--out", tmp_path / "none", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert done.stderr == (
        "No deletion record for org:O3: the latest recorded snapshot still holds its data\n"
    )
    register = json.loads((tmp_path / "none" / "register.json").read_text(encoding="utf-8"))
    assert register == {"records": []}


def test_html_certificate_names_both_snapshots_and_the_decisions(
    ledger: dict[str, str], deletion_months: dict[str, CheckResult], tmp_path: Path
) -> None:
    setting = ledger["INSIGHT_LEDGER"]
    decide(setting, "org:O1", "assign", owner="ops@example.org", note="<b>chase</b> the team")
    decide(setting, "org:O1", "except", basis="legal hold", approver="Counsel", until="2026-10-31")
    out = tmp_path / "html"
    done = evidence(ledger, "--out", out)
    assert done.returncode == 0, done.stderr
    register = (out / "register.html").read_text(encoding="utf-8")
    name = certificate_name("org:O1")
    assert f'href="certificates/{name}.html"' in register
    assert "@page { size: A4" in register
    page = (out / "certificates" / f"{name}.html").read_text(encoding="utf-8")
    for month in ("2026-10", "2026-11"):  # last held, first clear
        manifest = deletion_months[month].snapshot.manifest
        assert manifest.checksum in page
        assert manifest.exported_at_iso in page
    assert "Late" in page
    assert "<td>35</td>" in page
    assert "ops@example.org" in page
    assert "&lt;b&gt;chase&lt;/b&gt;" in page
    assert "legal hold" in page
    assert "2026-10-31" in page
    assert "Counsel" in page
    assert re.search(r"Generated \d{4}-\d\d-\d\dT[\d:.]+Z by Insight Workbench", page)
    for text in (register, page):
        assert str(tmp_path) not in text
        assert setting not in text
        assert not re.search(r"(?<![\w/])/(tmp|home|root|Users|var)/", text)
        assert "<script" not in text


def test_a_hostile_key_is_shown_as_text(ledger_setting: str, tmp_path: Path) -> None:
    """Markup stays text; a right-to-left override in the key is isolated in its own
    element, so it cannot turn the certificate's own words around it backwards."""
    months = {"2026-09": "2026-09-15T02:00:00Z", "2026-10": "2026-10-20T02:00:00Z"}
    org = {
        "org_id": HOSTILE + "\u202e",
        "name": "Org",
        "product": "value_insight",
        "status": "closed",
        "created_at": "2025-01-01T00:00:00Z",
        "closed_at": "2026-09-01T00:00:00Z",
    }
    user = {
        "user_id": "U1",
        "org_id": org["org_id"],
        "name": "Sam Roe",
        "email": "u1@example.org",
        "role": "user",
        "created_at": "2025-01-01T00:00:00Z",
    }
    ledger = open_ledger(ledger_setting)
    for month, exported_at in months.items():
        users = [user] if month == "2026-09" else []
        path = build_snapshot(
            tmp_path / month, {"organisations": [org], "users": users}, exported_at=exported_at
        )
        record_run(ledger, run_check(load_snapshot(path), load_policy()), source="cli")
    out = tmp_path / "out"
    done = evidence({"INSIGHT_LEDGER": ledger_setting}, "--out", out)
    assert done.returncode == 0, done.stderr
    files = [out / "register.html", *(out / "certificates").iterdir()]
    assert len(files) == 2
    assert files[1].parent == out / "certificates"  # the key's "/../.." made no path
    for file in files:
        text = file.read_text(encoding="utf-8")
        assert "<script" not in text
        assert "O9&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&amp;&quot;/../.." in text
        body = text.split("<body>", 1)[1]
        shown = escape(f"org:{HOSTILE}\u202e", quote=True)
        assert body.count(shown) == body.count(f"<code>{shown}</code>") > 0
        assert re.search(r"code \{[^}]*unicode-bidi: isolate", text)


def test_an_existing_folder_is_never_overwritten(ledger: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    done = evidence(ledger, "--out", out)
    assert done.returncode == 2
    assert "not empty" in done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert evidence(ledger, "--out", empty).returncode == 0
    assert (empty / "register.html").is_file()


@pytest.fixture
def almost_full(tmp_path: Path) -> Iterator[Path]:
    """A file system with one page (4 KiB) left: the register and its certificates do
    not fit."""
    folder = tmp_path / "full"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("mounting a tmpfs is not permitted here")
    (folder / "filler").write_bytes(b"x" * ((1 << 20) - (4 << 10)))
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def test_a_failed_write_leaves_nothing(ledger: dict[str, str], almost_full: Path) -> None:
    done = evidence(ledger, "--out", almost_full / "evidence")
    assert done.returncode == 2
    assert "cannot write" in done.stderr
    assert "No space left" in done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in almost_full.iterdir()) == ["filler"]


def test_an_empty_ledger_writes_an_empty_register(ledger_setting: str, tmp_path: Path) -> None:
    done = evidence({"INSIGHT_LEDGER": ledger_setting}, "--out", tmp_path / "e", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert "No runs are recorded yet" in done.stderr
    assert json.loads((tmp_path / "e" / "register.json").read_text()) == {"records": []}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "pdf", "--out", "x"], "--format pdf: must be one of html, json"),
        ([], "--out is required"),
        (["--key", "", "--out", "x"], "--key: an empty key was given"),
        (["--key", "  ", "--out", "x"], "--key: an empty key was given"),
    ],
)
def test_bad_options_are_exit_2(
    ledger_setting: str, tmp_path: Path, args: list[str], message: str
) -> None:
    done = run_cli("evidence", *args, env={"INSIGHT_LEDGER": ledger_setting}, cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    ("key", "readable"),
    [
        ("org:O17", "org_O17"),
        ("org:O/../<b>x</b>&\"q'", "org_O_.._b_x_b_q"),
        ("org:..", "org"),
        ("...", "key"),
        ("user:" + "u" * 100, "user_" + "u" * 55),
    ],
)
def test_a_certificate_name_is_the_key_made_safe_and_hashed(key: str, readable: str) -> None:
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]
    assert certificate_name(key) == f"{readable}-{digest}"
