"""`sample --months N`: monthly snapshots whose findings live the life lifecycle.json says.

The series is generated once and `check` runs once on each month; the tests compare
what the real rules report with the planted story, month by month, and recompute
every lifecycle field and deletion verdict from the snapshots themselves.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run_cli

from insight_workbench.loading.schema import PERSONAL_DATA_TABLES
from insight_workbench.sample.series import generate_series

pytestmark = pytest.mark.slow  # started first: see tests/conftest.py

MONTHS = 12


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def rows(folder: Path, table: str) -> list[dict[str, str]]:
    with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def series(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("series") / "series"
    done = run_cli("sample", "--months", MONTHS, "--out", out, "--quiet")
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def lifecycle(series: Path) -> dict[str, Any]:
    return json.loads((series / "lifecycle.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def checks(series: Path, lifecycle: dict[str, Any]) -> list[dict[str, Any]]:
    """`check --format json` of every month, oldest first."""
    reports = []
    for month in lifecycle["months"]:
        done = run_cli("check", series / month, "--format", "json")
        assert done.returncode in (0, 1), done.stderr
        reports.append(json.loads(done.stdout))
    return reports


def found(report: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(f["rule"], f["key"]): f for f in report["findings"]}


def test_writes_one_complete_snapshot_a_month(series, lifecycle, checks):
    assert sorted(p.name for p in series.iterdir()) == [*lifecycle["months"], "lifecycle.json"]
    assert len(lifecycle["months"]) == MONTHS
    manifests = [
        json.loads((series / m / "manifest.json").read_text(encoding="utf-8"))
        for m in lifecycle["months"]
    ]
    assert [m["exported_at"] for m in manifests] == lifecycle["exported_at"]
    assert len({m["snapshot_id"] for m in manifests}) == MONTHS
    for month, exported in zip(lifecycle["months"], lifecycle["exported_at"], strict=True):
        assert exported == f"{month}-01T02:00:00Z"  # the 1st of each month, one month apart
    for report in checks:
        assert set(report["summary"]["rows_rejected"].values()) == {0}
        assert report["summary"]["rows_loaded"]["users"] > 0


def test_same_seed_same_bytes(series, tmp_path):
    again = generate_series(tmp_path / "again", MONTHS, seed=7)
    assert files(again) == files(series)
    one = files(generate_series(tmp_path / "seed7", 1, seed=7))
    assert files(generate_series(tmp_path / "seed8", 1, seed=8)) != one


def test_each_month_reports_exactly_the_planted_keys(lifecycle, checks):
    """The background breaks no rule: each month's findings are the planted keys of it."""
    for month, report in zip(lifecycle["months"], checks, strict=True):
        expected = {(f["rule"], f["key"]) for f in lifecycle["findings"] if month in f["seen_in"]}
        assert set(found(report)) == expected, month


def test_lifecycle_fields_follow_the_runs(lifecycle, checks):
    exported = lifecycle["exported_at"]
    for finding in lifecycle["findings"]:
        seen = [i for i, r in enumerate(checks) if (finding["rule"], finding["key"]) in found(r)]
        assert finding["first_seen"] == exported[seen[0]]
        assert finding["last_seen"] == exported[seen[-1]]
        assert finding["runs_seen"] == len(seen)
        resolved = seen[-1] + 1 < MONTHS
        assert finding["resolved_in"] == (exported[seen[-1] + 1] if resolved else None)


def test_the_series_tells_every_kind_of_story(lifecycle):
    states = {(f["rule"], f["key"]): f["state"] for f in lifecycle["findings"]}
    assert sorted(set(states.values())) == ["excepted", "new", "open", "reopened", "resolved"]
    excepted = [k for k, s in states.items() if s == "excepted"]
    expired = [d for d in lifecycle["decisions"] if d["until"] < lifecycle["months"][-1]]
    assert len(excepted) == 1
    assert len(expired) == 1
    assert states[(expired[0]["rule"], expired[0]["key"])] == "open"
    for decision in lifecycle["decisions"]:
        assert decision["action"] == "except"
        assert all(decision[name] for name in ("basis", "approver", "by"))
        assert decision["at"] < decision["until"]
    verdicts = {(d["rule"], d["verdict"]) for d in lifecycle["deletions"]}
    assert verdicts == {
        ("RET-001", "late"),
        ("RET-001", "on_time"),
        ("RET-002", "late"),
        ("RET-002", "on_time"),
        ("RET-003", "late"),
    }
    assert [d["late_by_days_at_most"] for d in lifecycle["deletions"]] == [145, None, 87, None, 85]
    sar = sorted((rule, state) for (rule, _key), state in states.items() if rule.startswith("SAR"))
    assert sar == [("SAR-001", "new"), ("SAR-001", "resolved"), ("SAR-002", "open")]


def _user_ids(folder: Path, key: str) -> set[str]:
    kind, _, name = key.partition(":")
    if kind == "org":
        return {u["user_id"] for u in rows(folder, "users") if u["org_id"] == name}
    return {r["user_id"] for r in rows(folder, "subject_requests") if r["request_id"] == name}


def _held(folder: Path, users: set[str]) -> dict[str, int]:
    counts = {
        table: sum(1 for row in rows(folder, table) if row[column] in users)
        for table, column in PERSONAL_DATA_TABLES.items()
    }
    return {table: n for table, n in counts.items() if n}


def test_deletions_match_the_snapshots(series, lifecycle, checks):
    """Last month holding the rows, first holding none, due instant and verdict, each
    read from the snapshots and the rules' output rather than from the generator."""
    index = {e: i for i, e in enumerate(lifecycle["exported_at"])}
    for deletion in lifecycle["deletions"]:
        last = index[deletion["last_held_exported_at"]]
        clear = index[deletion["first_clear_exported_at"]]
        assert clear == last + 1
        last_folder = series / lifecycle["months"][last]
        clear_folder = series / lifecycle["months"][clear]
        users = _user_ids(last_folder, deletion["key"])
        assert _held(last_folder, users) == deletion["last_held_rows"]
        assert _held(clear_folder, users) == {}
        name = (deletion["rule"], deletion["key"])
        finding = found(checks[last]).get(name)
        if finding:  # a late deletion: reported in the last month that held the rows
            assert finding["due"] == deletion["due"]
            assert finding["evidence"] == deletion["last_held_rows"]
        else:  # on time: a schedule item once the organisation is closed or stale
            done = run_cli("schedule", clear_folder, "--format", "json")
            items = {i["key"]: i for i in json.loads(done.stdout)["items"]}
            assert items[deletion["key"]]["due"] == deletion["due"]
        late = moment(deletion["first_clear_exported_at"]) - moment(deletion["due"])
        if late.total_seconds() > 0:
            assert deletion["verdict"] == "late"
            assert deletion["late_by_days_at_most"] == math.ceil(late.total_seconds() / 86_400)
        else:
            assert (deletion["verdict"], deletion["late_by_days_at_most"]) == ("on_time", None)


@pytest.mark.parametrize("months", [1, 4])
def test_short_series_plant_only_the_stories_that_fit(tmp_path, months):
    out = generate_series(tmp_path / "short", months)
    document = json.loads((out / "lifecycle.json").read_text(encoding="utf-8"))
    assert len(document["months"]) == months
    assert document["months"][-1] == "2026-11"  # every series ends at the same export
    states = [(f["rule"], f["state"]) for f in document["findings"]]
    assert states == ([("SAR-001", "new")] if months == 4 else [])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--months", "0"], "--months: must be between 1 and 36"),
        (["--months", "37"], "--months: must be between 1 and 36"),
        (["--months", "3", "--preset", "large"], "--months: cannot be used with --preset"),
        (["--months", "3", "--format", "xlsx"], "--format: must be csv or parquet"),
    ],
)
def test_bad_options_are_refused(tmp_path, args, message):
    done = run_cli("sample", "--out", tmp_path / "s", *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_refuses_a_folder_it_did_not_write(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    (tmp_path / "lifecycle.json").write_text("{}", encoding="utf-8")
    done = run_cli("sample", "--months", "2", "--out", tmp_path)
    assert done.returncode == 2
    assert "holds 'notes.txt'" in done.stderr
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize("mine", ["{month}/notes.txt", "2020-01/thesis.docx"])
def test_a_file_of_yours_inside_a_month_folder_is_never_deleted(series, tmp_path, mine):
    out = Path(shutil.copytree(series, tmp_path / "series"))
    month = sorted(p.name for p in out.iterdir() if p.is_dir())[0]
    path = out / mine.format(month=month)
    path.parent.mkdir(exist_ok=True)
    path.write_text("mine", encoding="utf-8")
    done = run_cli("sample", "--months", "2", "--out", out)
    assert done.returncode == 2
    assert f"holds '{mine.format(month=month)}', which the series does not write" in done.stderr
    assert path.read_text(encoding="utf-8") == "mine"
