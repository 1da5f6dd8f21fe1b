"""The planted-case registry: a new rule's case is one `@plant` function."""

from __future__ import annotations

import csv
import json

import pytest

from insight_workbench.sample import generate_sample, planted
from insight_workbench.sample.planted import Actors, PlantedCase, login, plant
from insight_workbench.sample.reference import render
from insight_workbench.sample.world import World

SMALL = {"orgs": 16, "users": 200, "days": 30}


def test_plant_registers_one_case_per_rule(monkeypatch):
    monkeypatch.setattr(planted, "CASES", {})

    @plant("ZZZ-001", planted="something planted", near_misses="something not")
    def _case(_world: World, _actors: Actors) -> list[str]:
        return []

    assert planted.CASES["ZZZ-001"] == PlantedCase(
        "ZZZ-001", "something planted", "something not", _case
    )
    with pytest.raises(ValueError, match="ZZZ-001 registered twice"):
        plant("ZZZ-001", planted="again")(_case)


def test_a_registered_case_lands_in_the_sample_and_planted_json(monkeypatch, tmp_path):
    chosen: list[str] = []

    def _case(_world: World, actors: Actors) -> list[str]:
        user = actors.take()
        chosen.append(user.user_id)
        login(user, "2026-11-01T04:05:06Z", True, ip="192.0.2.201", tag="ZZZ-001")
        return [f"user:{user.user_id}"]

    monkeypatch.setitem(planted.CASES, "ZZZ-001", PlantedCase("ZZZ-001", "p", "n", _case))
    out = generate_sample(tmp_path / "s", **SMALL)
    document = json.loads((out / "planted.json").read_text(encoding="utf-8"))
    keys = sorted(f["key"] for f in document["findings"] if f["rule"] == "ZZZ-001")
    assert len(keys) == 2
    assert keys[1] == f"user:{chosen[0]}"
    assert keys[0].startswith("login:L")
    with (out / "logins.csv").open(encoding="utf-8", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["login_id"] == keys[0][len("login:") :])
    assert (row["ts"], row["user_id"], row["ip"]) == (
        "2026-11-01T04:05:06Z",
        chosen[0],
        "192.0.2.201",
    )


def test_a_key_without_kind_is_refused(monkeypatch, tmp_path):
    case = PlantedCase("ZZZ-001", "p", "n", lambda _world, _actors: ["U000001"])
    monkeypatch.setitem(planted.CASES, "ZZZ-001", case)
    with pytest.raises(ValueError, match="ZZZ-001: a planted key must look like 'kind:id'"):
        generate_sample(tmp_path / "s", **SMALL)


def test_sample_page_lists_each_rule_with_its_case_and_keys(monkeypatch, sample_path):
    text = render(sample_path)
    first = json.loads((sample_path / "planted.json").read_text(encoding="utf-8"))["findings"][0]
    row = next(line for line in text.splitlines() if line.startswith(f"| {first['rule']} |"))
    assert planted.CASES[first["rule"]].planted in row
    assert f"`{first['key']}`" in row
    monkeypatch.delitem(planted.CASES, "RET-001")
    row = next(line for line in render(sample_path).splitlines() if line.startswith("| RET-001 |"))
    assert "**no planted case yet**" in row
