"""A report's summary of what changed since the previous run of the same report."""

from __future__ import annotations

from typing import Any

from insight_workbench.reports.summary import PreviousRun, changes


def figures(by_rule: dict[str, list[str]]) -> dict[str, Any]:
    return {"by_rule": {rule: len(keys) for rule, keys in by_rule.items()}, "keys": by_rule}


def previous(by_rule: dict[str, list[str]]) -> PreviousRun:
    return PreviousRun("retention_audit/1", "2026-11-01T00:00:00Z", "s1", figures(by_rule))


def test_new_and_resolved_findings_are_counted_by_rule_and_key() -> None:
    before = previous({"RET-001": ["org:O1", "org:O2"], "RET-002": []})
    now = figures({"RET-001": ["org:O2", "org:O3"], "RET-002": ["org:O1"]})
    said = dict(changes(now, before))
    assert said["New findings since then"] == 2
    assert said["Findings resolved since then"] == 1
    assert said["Change in the findings total"] == "+1"
    assert "Rules run by only one of the two runs (not compared)" not in said


def test_a_rule_the_earlier_run_did_not_judge_finds_nothing_new() -> None:
    """A newer workbench's audit runs a rule the earlier run did not (SEC-001 in the
    de-identification audit): its findings were there before, only not reported."""
    before = previous({"DEID-001": ["dataset:a:x"]})
    now = figures({"DEID-001": ["dataset:a:x"], "SEC-001": ["column:deidentified/b:token"]})
    said = dict(changes(now, before))
    assert said["New findings since then"] == 0
    assert said["Change in the findings total"] == "0"
    assert said["Rules run by only one of the two runs (not compared)"] == "SEC-001"
    back = dict(changes(figures({"DEID-001": []}), previous(now["keys"])))
    assert back["Findings resolved since then"] == 1  # dataset:a:x, not SEC-001's
    assert back["Rules run by only one of the two runs (not compared)"] == "SEC-001"
