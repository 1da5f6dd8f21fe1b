"""Every registered rule comes with its test file and a planted case in the sample."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from insight_workbench.rules import RULES
from insight_workbench.sample.planted import CASES

ROOT = Path(__file__).resolve().parent.parent
CODES = [rule.code for rule in RULES]


def stem(code: str) -> str:
    return code.lower().replace("-", "_")  # "DEID-001" -> "deid_001"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_has_its_declaration_file_and_test_file(rule):
    module = rule.check.__module__.rsplit(".", 1)[-1]
    assert module.startswith(stem(rule.code) + "_"), (
        f"{rule.code}: declare it in insight_workbench/rules/{stem(rule.code)}_<name>.py"
    )
    test_file = ROOT / "tests" / "rules" / f"test_{stem(rule.code)}.py"
    assert test_file.is_file(), f"{rule.code}: add tests/rules/test_{stem(rule.code)}.py"


@pytest.mark.parametrize("code", CODES)
def test_rule_has_a_planted_case(code):
    assert code in CASES, (
        f"{code}: plant a case with @plant in insight_workbench/sample/planted.py, "
        "then run `make sample`"
    )


def test_every_planted_case_is_a_registered_rule():
    assert [code for code in CASES if code not in CODES] == []


@pytest.mark.parametrize("code", CODES)
def test_rule_is_planted_in_the_committed_sample(code, sample_path):
    planted = json.loads((sample_path / "planted.json").read_text(encoding="utf-8"))
    rules = {finding["rule"] for finding in planted["findings"]}
    assert code in rules, f"{code}: no planted finding in data/sample: run `make sample`"
