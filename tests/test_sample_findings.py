"""On the committed sample, `check` finds exactly the planted violations, in CSV and Parquet."""

from __future__ import annotations

import json
from pathlib import Path

from cli_runner import run_cli

from insight_workbench.loading.snapshot import Snapshot, load_snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules import RULES
from insight_workbench.rules.runner import run_check


def planted(sample_path: Path) -> dict:
    return json.loads((sample_path / "planted.json").read_text(encoding="utf-8"))


def found(snapshot: Snapshot) -> list[tuple[str, str]]:
    return [(f.rule, f.key) for f in run_check(snapshot, load_policy()).findings]


def test_check_finds_exactly_the_planted_findings(sample, sample_path):
    expected = sorted((p["rule"], p["key"]) for p in planted(sample_path)["findings"])
    assert found(sample) == expected


def test_every_rule_is_planted(sample_path):
    planted_rules = {p["rule"] for p in planted(sample_path)["findings"]}
    assert planted_rules == {r.code for r in RULES}


def test_parquet_form_gives_the_same_findings(sample, sample_path, tmp_path):
    document = planted(sample_path)
    options = ["--seed", str(document["seed"])]
    for name in ("orgs", "users", "days"):  # recorded when the sample was not the default
        if name in document:
            options += [f"--{name}", str(document[name])]
    out = tmp_path / "parquet"
    done = run_cli("sample", "--out", out, *options, "--format", "parquet")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.glob("*.parquet"))  # really the Parquet form
    assert not list(out.glob("*.csv"))
    parquet = load_snapshot(out)
    try:
        assert found(parquet) == found(sample)
        assert parquet.rows_loaded == sample.rows_loaded
    finally:
        parquet.con.close()
