"""DQ-001: one finding per quarantined row, naming columns and reasons, never values."""

from __future__ import annotations

from pathlib import Path

import pytest

ORG = {
    "org_id": "O1",
    "name": "Org",
    "product": "local_insight",
    "status": "active",
    "created_at": "2025-01-01T00:00:00Z",
}
GOOD = {
    "login_id": "L1",
    "ts": "2026-01-01T00:00:00Z",
    "user_id": "U1",
    "success": "true",
    "ip": "192.0.2.1",
}
SECRET = "zz-private-value"


@pytest.mark.parametrize(
    ("table", "bad", "column", "reason"),
    [
        ("logins", {"ts": SECRET}, "ts", "not an ISO 8601 timestamp"),
        ("logins", {"success": SECRET}, "success", "not true/false/1/0"),
        ("logins", {"ip": ""}, "ip", "missing value (required)"),
        ("logins", {"login_id": "L1"}, "login_id", "duplicate primary key"),
        (
            "organisations",
            {"org_id": "O2", "status": SECRET},
            "status",
            "not one of the allowed values",
        ),
        (
            "organisations",
            {"org_id": "O2", "status": "closed"},
            "closed_at",
            "missing value (required when status is closed)",
        ),
        ("processors", {"contract_start": SECRET}, "contract_start", "not a YYYY-MM-DD date"),
    ],
)
def test_quarantined_value(run_rule, table, bad, column, reason):
    base = {
        "logins": GOOD,
        "organisations": ORG,
        "processors": {
            "processor_id": "P1",
            "name": "Host",
            "service": "hosting",
            "data_categories": "name",
            "contract_start": "2025-01-01",
        },
    }[table]
    findings = run_rule("DQ-001", {table: [base, {**base, **bad}]})
    [finding] = findings
    assert finding.key == f"row:{table}:2"
    assert finding.evidence == {"columns": [column], "reasons": [reason]}
    assert (finding.severity, finding.due) == ("medium", None)
    assert SECRET not in finding.message
    assert SECRET not in str(finding.evidence)


def test_several_bad_values_in_one_row_are_one_finding(run_rule):
    bad = {**GOOD, "login_id": "L2", "ts": "yesterday", "success": "maybe"}
    [finding] = run_rule("DQ-001", {"logins": [GOOD, bad]})
    assert finding.key == "row:logins:2"
    assert finding.evidence == {
        "columns": ["success", "ts"],
        "reasons": ["not an ISO 8601 timestamp", "not true/false/1/0"],
    }


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


def test_structural_rejects(run_rule):
    def break_files(folder: Path) -> None:
        # record 3 has too many fields; record 4 of the dataset too few
        _append(folder / "logins.csv", f"L3,2026-01-01T00:00:00Z,U1,true,192.0.2.1,a,b,{SECRET}\n")
        _append(folder / "deidentified" / "agg.csv", "East\n")

    rows = [{"area": "North", "n_users": "12"}, {"area": "South", "n_users": "15"}]
    findings = run_rule(
        "DQ-001",
        {"logins": [GOOD, {**GOOD, "login_id": "L2"}]},
        deidentified={"agg": (rows, None)},
        edit=break_files,
    )
    assert [f.key for f in findings] == ["row:deidentified/agg:3", "row:logins:3"]
    for finding in findings:
        assert finding.evidence["columns"] == []
        assert len(finding.evidence["reasons"]) == 1
        assert SECRET not in finding.message


def test_unreadable_bytes_and_nul(run_rule):
    def break_files(folder: Path) -> None:
        with (folder / "logins.csv").open("ab") as handle:
            handle.write(b"L3,2026-01-01T00:00:00Z,U1,true,\xff\xfe,,\n")  # not UTF-8
            handle.write(b"L4,2026-01-01T00:00:00Z,U1,true,192.0.2.1,a\x00b,\n")  # NUL byte

    findings = run_rule("DQ-001", {"logins": [GOOD]}, edit=break_files)
    assert [f.key for f in findings] == ["row:logins:2", "row:logins:3"]
    assert findings[0].evidence == {"columns": [], "reasons": ["not valid UTF-8"]}
    assert findings[1].evidence == {"columns": ["user_agent"], "reasons": ["contains a NUL byte"]}


def test_clean_snapshot_has_no_findings(run_rule):
    assert run_rule("DQ-001", {"logins": [GOOD], "organisations": [ORG]}) == []
