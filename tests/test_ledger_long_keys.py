"""Keys and snapshot ids longer than the ledger's key columns (400 characters), on SQLite
and on a real PostgreSQL server: an organisation's id from the export, a snapshot id
from the manifest. PostgreSQL refused them ("value too long"), so the whole run went
unrecorded; they are held by the SHA-256 of their text, and found by their whole text."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from cli_runner import run_cli
from sqlalchemy import select

from insight_workbench.ledger.database import open_ledger, reading
from insight_workbench.ledger.tables import (
    KEY,
    audit,
    decisions,
    findings,
    held_key,
    held_snapshot_id,
    holdings,
    runs,
)
from insight_workbench.loading.manifest import write_manifest
from insight_workbench.testing import build_snapshot
from insight_workbench.timeutil import parse_timestamp

ORG_ID = "O-" + "survey-department-" * 30  # 542 characters: an id the export may hold
KEY_TEXT = f"org:{ORG_ID}"
SNAPSHOT_ID = "export-" + "long-snapshot-name-" * 25  # 482 characters
CREATED = "2025-01-01T00:00:00Z"
EXPORTS = {"held": "2026-10-15T02:00:00Z", "gone": "2026-11-03T02:00:00Z"}


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _snapshot(folder: Path, month: str) -> Path:
    """The organisation closed on 1 September (due 29 September under RET-001): its
    user still held in October's export, gone from November's."""
    users = [
        {
            "user_id": "U1",
            "org_id": ORG_ID,
            "name": "Sam Roe",
            "email": "u1@example.org",
            "role": "user",
            "created_at": CREATED,
        }
    ]
    org = {
        "org_id": ORG_ID,
        "name": "Org",
        "product": "value_insight",
        "status": "closed",
        "created_at": CREATED,
        "closed_at": "2026-09-01T10:00:00Z",
    }
    tables: dict[str, Any] = {"organisations": [org], "users": users if month == "held" else []}
    path = build_snapshot(folder / month, tables, exported_at=EXPORTS[month])
    write_manifest(path, parse_timestamp(EXPORTS[month]), f"{SNAPSHOT_ID}-{month}")
    return path


def test_the_held_form_fits_and_is_the_text_when_it_fits() -> None:
    assert held_key("org:O17") == "org:O17"
    assert held_key("org:" + "x" * (KEY - 4)) == "org:" + "x" * (KEY - 4)
    long = "dataset:survey:" + "How often did you use the service last year? " * 10
    assert held_key(long) == "dataset:sha256:" + _sha256(long)
    assert held_key("x" * 500) == "sha256:" + _sha256("x" * 500)  # no kind to keep
    assert held_key("Some Kind:" + "x" * 500) == "sha256:" + _sha256("Some Kind:" + "x" * 500)
    assert held_key(held_key(long)) == held_key(long)
    assert held_snapshot_id("prod-2026-11-28") == "prod-2026-11-28"
    assert held_snapshot_id("s" * 401) == "sha256:" + _sha256("s" * 401)
    assert len(held_key("é" * 1000)) <= KEY  # PostgreSQL counts characters, not bytes


def test_a_long_key_and_snapshot_id_are_recorded_decided_and_found(
    ledger_setting: str, tmp_path: Path
) -> None:
    env = {"INSIGHT_LEDGER": ledger_setting, "INSIGHT_USER": "dpo@example.org"}
    for month in EXPORTS:
        done = run_cli("check", _snapshot(tmp_path, month), "--record", "--quiet", env=env)
        assert done.returncode in (0, 1), done.stderr  # 1: findings, recorded
        assert "too long" not in done.stderr
    with reading(open_ledger(ledger_setting)) as connection:
        snapshot_ids = set(connection.execute(select(runs.c.snapshot_id)).scalars())
        found = {tuple(row) for row in connection.execute(select(findings.c.rule, findings.c.key))}
        held = set(connection.execute(select(holdings.c.key)).scalars())
        logged = set(connection.execute(select(audit.c.snapshot_id)).scalars())
    ids = {"sha256:" + _sha256(f"{SNAPSHOT_ID}-{month}") for month in EXPORTS}
    assert snapshot_ids == ids
    assert logged == ids  # the audit trail's `run_recorded` entries name them alike
    assert ("RET-001", "org:sha256:" + _sha256(KEY_TEXT)) in found
    assert held == {"org:sha256:" + _sha256(KEY_TEXT)}

    done = run_cli("decide", KEY_TEXT, "--rule", "RET-001", "--assign", "Records team", env=env)
    assert done.returncode == 0, done.stderr
    with reading(open_ledger(ledger_setting)) as connection:
        decided = [
            tuple(row) for row in connection.execute(select(decisions.c.rule, decisions.c.key))
        ]
    assert decided == [("RET-001", "org:sha256:" + _sha256(KEY_TEXT))]

    history = run_cli("history", "--key", KEY_TEXT, "--format", "json", env=env)
    assert history.returncode == 0, history.stderr
    [life] = json.loads(history.stdout)["findings"]
    assert (life["rule"], life["key"], life["state"]) == ("RET-001", KEY_TEXT, "resolved")
    assert [(d["action"], d["owner"]) for d in life["decisions"]] == [("assign", "Records team")]

    out = tmp_path / "evidence"
    evidence = run_cli("evidence", "--out", out, "--key", KEY_TEXT, "--format", "json", env=env)
    assert evidence.returncode == 0, evidence.stderr
    [record] = json.loads((out / "register.json").read_text(encoding="utf-8"))["records"]
    assert (record["key"], record["verdict"]) == (KEY_TEXT, "late")

    verified = run_cli("ledger", "verify", env=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_key_holding_a_nul_is_recorded_by_its_digest(ledger_setting: str, tmp_path: Path) -> None:
    """A de-identified dataset's column name may hold a NUL, which PostgreSQL cannot
    store in text: the run went unrecorded. Such a key is held by its digest, as a long
    one is, and `history` names it by its whole text."""
    column = "email\x00copy"
    snapshot = build_snapshot(tmp_path / "snap")
    (snapshot / "deidentified").mkdir()
    rows = "".join(f"North,p{n}@example.org\n" for n in range(12))
    (snapshot / "deidentified" / "survey.csv").write_text(f"region,{column}\n{rows}")
    write_manifest(snapshot, parse_timestamp("2026-11-28T02:00:00Z"), "nul-2026-11")
    env = {"INSIGHT_LEDGER": ledger_setting, "INSIGHT_USER": "dpo@example.org"}
    done = run_cli("check", snapshot, "--record", "--quiet", env=env)
    assert done.returncode == 1, done.stderr  # findings, recorded
    key = f"dataset:survey:{column}"
    with reading(open_ledger(ledger_setting)) as connection:
        found = {tuple(row) for row in connection.execute(select(findings.c.rule, findings.c.key))}
    assert ("DEID-001", "dataset:sha256:" + _sha256(key)) in found
    history = run_cli("history", "--rule", "DEID-001", "--format", "json", env=env)
    assert history.returncode == 0, history.stderr
    assert [life["key"] for life in json.loads(history.stdout)["findings"]] == [
        "dataset:sha256:" + _sha256(key)
    ]


def test_the_app_shows_the_decision_beside_a_long_key(ledger_setting: str, tmp_path: Path) -> None:
    """The app's tables name findings by their whole key, as the check found them."""
    from insight_workbench.dashboard.records import decisions_beside
    from insight_workbench.ledger.decisions import Request, decide, standing_decisions
    from insight_workbench.ledger.runs import record_run
    from insight_workbench.loading.snapshot import load_snapshot
    from insight_workbench.policy import load_policy
    from insight_workbench.rules.runner import run_check

    ledger = open_ledger(ledger_setting)
    result = run_check(load_snapshot(_snapshot(tmp_path, "held")), load_policy())
    assert any(f.key == KEY_TEXT for f in result.findings)
    record_run(ledger, result, source="app", by="dpo@example.org")
    decide(ledger, "RET-001", KEY_TEXT, Request("assign", owner="Records team"), by="dpo")
    standing = tuple(
        (rule, key, None, s.owner) for (rule, key), s in standing_decisions(ledger).items()
    )
    frame = decisions_beside(
        pd.DataFrame({"message": ["overdue"]}), standing, ["RET-001"], [KEY_TEXT]
    )
    assert list(frame["owner"]) == ["Records team"]


@pytest.mark.parametrize("key", ["org:O17", "org:" + "x" * 390, "org:" + "x" * 396, KEY_TEXT])
def test_the_audit_trail_names_a_long_key_as_the_ledger_holds_it(key: str) -> None:
    from insight_workbench.ledger.audit_trail import loggable_key

    assert loggable_key(key) == held_key(key)
