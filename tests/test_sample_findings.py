"""On the committed sample, `check` finds exactly the planted violations, in CSV and Parquet."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from cli_runner import run_cli

from insight_workbench.deadlines.schedule import build_schedule
from insight_workbench.loading.snapshot import Snapshot, load_snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules import RULES
from insight_workbench.rules.runner import run_check
from insight_workbench.sample.planted import CASES
from insight_workbench.subject_requests.request_table import request_deadlines


def planted(sample_path: Path) -> dict:
    return json.loads((sample_path / "planted.json").read_text(encoding="utf-8"))


def found(snapshot: Snapshot) -> list[tuple[str, str]]:
    return [(f.rule, f.key) for f in run_check(snapshot, load_policy()).findings]


def test_check_finds_exactly_the_planted_findings(sample, sample_path):
    expected = sorted((p["rule"], p["key"]) for p in planted(sample_path)["findings"])
    assert found(sample) == expected


def test_every_rule_is_planted(sample_path):
    planted_rules = {p["rule"] for p in planted(sample_path)["findings"]}
    missing = sorted({r.code for r in RULES} - planted_rules)
    without_case = [code for code in missing if code not in CASES]
    assert not without_case, (
        f"no planted case for {without_case}: plant one in "
        "insight_workbench/sample/planted.py (CONTRIBUTING.md), then run `make sample`"
    )
    assert not missing, f"{missing} planted but not in data/sample: run `make sample`"


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
        # unequal after a rule was added: the committed sample is stale, run `make sample`
        assert found(parquet) == found(sample), "run `make sample`: data/sample is stale"
        assert parquet.rows_loaded == sample.rows_loaded
    finally:
        parquet.con.close()


def test_sample_plants_clarification_pauses(sample):
    as_of = sample.manifest.exported_at
    frame = request_deadlines(sample, load_policy(), as_of)
    today = pd.Timestamp(as_of.date())
    [waiting] = frame[frame["paused"]].to_dict("records")  # still waiting at the export
    assert waiting["status"] == "open"
    assert pd.isna(waiting["due_date"])
    assert waiting["finding"] is None or pd.isna(waiting["finding"])
    scheduled = {i.key for i in build_schedule(sample, load_policy(), as_of)}
    assert f"request:{waiting['request_id']}" not in scheduled
    stopped = frame[frame["paused_days"] > 0]
    # an open request saved by its pause: past its period end, due later, still in time
    saved = stopped[(stopped["status"] == "open") & (stopped["period_end"] < today)]
    assert len(saved) == 1
    assert saved["finding"].isna().all()
    assert f"request:{saved['request_id'].iloc[0]}" in scheduled
    # one pause across a month end, one answered late even with its pause
    crossing = (
        stopped["clarification_requested_date"].dt.month != stopped["clock_resumed_date"].dt.month
    )
    assert crossing.any()
    assert (stopped["finding"] == "SAR-002").sum() == 1


def test_every_seed_at_the_smallest_sizes_plants_every_case(tmp_path):
    # with these seeds the sizes drawn for the organisations once left the active ones
    # too few users for the planted cases, and the sample was refused
    for seed in (94, 137):
        out = tmp_path / str(seed)
        done = run_cli(
            "sample", "--out", out, "--seed", str(seed),
            "--orgs", "16", "--users", "200", "--days", "30",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        expected = sorted((p["rule"], p["key"]) for p in planted(out)["findings"])
        snapshot = load_snapshot(out)
        try:
            assert found(snapshot) == expected
        finally:
            snapshot.con.close()
