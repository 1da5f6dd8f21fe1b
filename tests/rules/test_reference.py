"""The generated rules reference is current, and every rule documents itself fully."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from insight_workbench.rules import RULES
from insight_workbench.rules.base import DOC_SECTIONS
from insight_workbench.rules.reference import render, sections

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_docs_rules_md_is_current():
    assert DOCS.read_text(encoding="utf-8") == render(), "docs/rules.md is stale: run `make docs`"


def test_reference_names_every_rule():
    text = render()
    for rule in RULES:
        assert f"## {rule.code} `{rule.name}`" in text
        assert rule.clause in text


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_declaration(rule):
    assert re.fullmatch(r"[A-Z]+-\d{3}", rule.code)
    assert re.fullmatch(r"[a-z_]+\.[a-z_]+", rule.name)
    assert rule.clause.strip()
    doc = sections(rule)
    assert all(doc[s] for s in DOC_SECTIONS)
    assert doc["Example finding"].startswith(rule.code)


def test_codes_and_names_are_unique():
    assert len({r.code for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)


def test_a_duplicate_code_fails_at_registration():
    from insight_workbench.rules.base import registry

    with pytest.raises(ValueError, match=f"duplicate rule code {RULES[0].code}"):
        registry([RULES[0], RULES[1], RULES[0]])
