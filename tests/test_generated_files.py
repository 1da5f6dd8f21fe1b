"""Generated files are current: each failure names the command that regenerates them."""

from __future__ import annotations

import json
from pathlib import Path

from insight_workbench.rules.reference import render as render_rules
from insight_workbench.sample import generate_sample
from insight_workbench.sample.reference import render as render_sample

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_rules_reference_is_current():
    committed = (DOCS / "rules.md").read_text(encoding="utf-8")
    assert committed == render_rules(), "docs/rules.md is stale: run `make docs`"


def test_sample_page_is_current(sample_path):
    committed = (DOCS / "sample.md").read_text(encoding="utf-8")
    assert committed == render_sample(sample_path), "docs/sample.md is stale: run `make sample`"


def test_committed_sample_is_what_the_generator_makes(sample_path, tmp_path):
    options = json.loads((sample_path / "planted.json").read_text(encoding="utf-8"))
    fresh = generate_sample(
        tmp_path / "sample",
        options["seed"],
        options["orgs"],
        options["users"],
        options["days"],
        options["format"],
    )
    planted_now = (fresh / "planted.json").read_text(encoding="utf-8")
    assert (sample_path / "planted.json").read_text(encoding="utf-8") == planted_now, (
        "data/sample/planted.json is stale: run `make sample`"
    )
    committed, made = files(sample_path), files(fresh)
    differ = sorted(n for n in committed.keys() | made.keys() if committed.get(n) != made.get(n))
    assert differ == [], f"data/sample is stale ({', '.join(differ)}): run `make sample`"
