"""run_check: the library behind `check` (JSON shape, sorting, selection, policy, as_of)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from clock_snapshot import EXPECTED_FINDINGS, build_clock_snapshot

from insight_workbench.errors import InputError
from insight_workbench.loading.snapshot import Snapshot, load_snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules.runner import run_check
from insight_workbench.testing import build_snapshot


@pytest.fixture(scope="module")
def snapshot(clock: Snapshot) -> Snapshot:
    return clock


def keys(result) -> list[tuple[str, str]]:
    return [(f.rule, f.key) for f in result.findings]


def test_finds_every_expected_finding_sorted_by_rule_then_key(snapshot):
    result = run_check(snapshot, load_policy())
    assert keys(result) == EXPECTED_FINDINGS
    assert keys(result) == sorted(keys(result))


def test_keys_sort_as_text(tmp_path):
    # "request:R10" sorts before "request:R2": the order is by text, as the key is compared
    requests = [
        {
            "request_id": rid,
            "received_at": "2026-01-05T09:00:00Z",
            "requester_email": "x@example.org",
            "type": "access",
            "status": "open",
            "extended": False,
        }
        for rid in ("R2", "R10", "R1")
    ]
    folder = build_snapshot(tmp_path / "s", {"subject_requests": requests})
    result = run_check(load_snapshot(folder), load_policy(), prefixes=["SAR"])
    assert [f.key for f in result.findings] == ["request:R1", "request:R10", "request:R2"]


def test_json_document_has_exactly_the_cli_shape(snapshot):
    document = run_check(snapshot, load_policy()).as_dict()
    assert json.loads(json.dumps(document)) == document  # plain JSON values only
    assert list(document) == ["snapshot", "as_of", "policy", "findings", "summary"]
    assert document["snapshot"] == {
        "path": str(snapshot.path),
        "snapshot_id": "snap",
        "exported_at": "2026-11-28T02:00:00Z",
    }
    assert document["as_of"] == "2026-11-28T02:00:00Z"
    assert document["policy"] == load_policy().as_dict()
    assert document["policy"]["retention"] == {
        "closed_account_days": 28,
        "potential_customer_months": 3,
    }
    first = document["findings"][0]
    assert list(first) == ["rule", "key", "severity", "message", "due", "evidence"]
    assert list(document["summary"]) == ["findings", "by_rule", "rows_loaded", "rows_rejected"]
    summary = document["summary"]
    assert summary["findings"] == len(EXPECTED_FINDINGS)
    assert summary["by_rule"] == {
        "COM-001": 1,
        "RET-001": 1,
        "RET-002": 1,
        "RET-003": 1,
        "RET-004": 1,
        "SAR-001": 1,
        "SAR-002": 1,
        "TPP-001": 2,
        "TPP-002": 1,
    }
    assert summary["rows_loaded"]["users"] == 5
    assert summary["rows_loaded"]["subject_requests"] == 5
    assert set(summary["rows_rejected"].values()) == {0}


def test_due_formats(snapshot):
    due = {(f.rule, f.key): f.due for f in run_check(snapshot, load_policy()).findings}
    assert due[("RET-001", "org:O1")] == "2026-09-29T10:00:00Z"  # UTC timestamp
    assert due[("SAR-001", "request:R1")] == "2026-11-20"  # a date for SAR rules
    assert due[("TPP-001", "processor:P1")] is None


@pytest.mark.parametrize(
    ("prefixes", "rules"),
    [
        (["RET"], {"RET-001", "RET-002", "RET-003", "RET-004"}),
        (["ret-00"], {"RET-001", "RET-002", "RET-003", "RET-004"}),  # case-insensitive
        (["SAR-001", "TPP"], {"SAR-001", "TPP-001", "TPP-002"}),
        (["TPP-001", "TPP"], {"TPP-001", "TPP-002"}),  # overlapping prefixes run once
        (["ACC"], set()),  # runs, finds nothing here
    ],
)
def test_rule_selection(snapshot, prefixes, rules):
    result = run_check(snapshot, load_policy(), prefixes=prefixes)
    assert {f.rule for f in result.findings} == rules
    assert len({r.code for r in result.rules}) == len(result.rules)
    assert all(any(r.code.upper().startswith(p.upper()) for p in prefixes) for r in result.rules)


def test_unknown_prefix_is_an_input_error(snapshot):
    with pytest.raises(InputError, match="--rule XYZ"):
        run_check(snapshot, load_policy(), prefixes=["RET", "XYZ"])


def test_policy_overrides_change_the_findings(snapshot, tmp_path):
    file = tmp_path / "policy.toml"
    file.write_text(
        "[retention]\nclosed_account_days = 7\n[subject_requests]\n"
        "response_months = 3\n[third_parties]\nreview_months = 24\n"
    )
    result = run_check(snapshot, load_policy(file))
    found = keys(result)
    assert ("RET-001", "org:O2") in found  # closed 10 Nov, due 17 Nov with 7 days
    assert ("SAR-001", "request:R1") not in found  # 3 months to answer
    assert ("SAR-002", "request:R3") not in found
    assert ("TPP-002", "processor:P1") not in found  # reviewed every 24 months
    assert result.as_dict()["policy"]["retention"]["closed_account_days"] == 7


def test_bad_policy_file_names_the_key(tmp_path):
    file = tmp_path / "policy.toml"
    file.write_text("[retention]\nclosed_account_days = 'four weeks'\n")
    with pytest.raises(InputError, match=r"\[retention\]\.closed_account_days"):
        load_policy(file)


@pytest.mark.parametrize(
    ("as_of", "expected_as_of", "has_ret_001_o2"),
    [
        (datetime(2026, 12, 8, 9, 0, 0, tzinfo=UTC), "2026-12-08T09:00:00Z", False),  # at due
        (datetime(2026, 12, 8, 9, 0, 1, tzinfo=UTC), "2026-12-08T09:00:01Z", True),
        (datetime(2026, 12, 8, 9, 0, 1), "2026-12-08T09:00:01Z", True),  # naive: UTC
    ],
)
def test_as_of(snapshot, as_of, expected_as_of, has_ret_001_o2):
    result = run_check(snapshot, load_policy(), as_of=as_of)
    assert result.as_dict()["as_of"] == expected_as_of
    assert (("RET-001", "org:O2") in keys(result)) is has_ret_001_o2


def test_parquet_and_csv_forms_agree(tmp_path: Path):
    parquet = load_snapshot(build_clock_snapshot(tmp_path / "pq", fmt="parquet"))
    assert keys(run_check(parquet, load_policy())) == EXPECTED_FINDINGS
