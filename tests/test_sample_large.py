"""The large preset of the sample, at a hundredth of its size: a valid snapshot, the same
rows as CSV and as Parquet, and something for the rules to find."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from insight_workbench.errors import InputError
from insight_workbench.loading.manifest import PRESET_FILE
from insight_workbench.loading.workspace import open_snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules.runner import run_check
from insight_workbench.sample.large import TABLE_ORDER, generate_large

CLI = Path(sys.executable).with_name("insight-workbench")
SCALE = 0.01


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_large(tmp_path_factory.mktemp("large") / "parquet", seed=3, scale=SCALE)


def test_loads_whole_with_the_counts_of_its_scale(large: Path) -> None:
    snapshot = open_snapshot(large)
    try:
        assert sum(snapshot.rows_rejected.values()) == 0
        rows = {name: load.rows_loaded for name, load in snapshot.loads.items()}
        assert rows["organisations"] == 20
        assert rows["users"] == 2_000
        # users with no active time get no activity: a little under the nominal counts
        assert 90_000 <= rows["logins"] <= 101_000
        assert 280_000 <= rows["usage_events"] <= 300_000
        manifest = json.loads((large / "manifest.json").read_text(encoding="utf-8"))
        assert {k: v["rows"] for k, v in manifest["tables"].items()} == rows
    finally:
        snapshot.con.close()


def test_the_rules_find_what_the_distributions_put_there(large: Path) -> None:
    snapshot = open_snapshot(large)
    try:
        found = run_check(snapshot, load_policy()).by_rule
    finally:
        snapshot.con.close()
    for code in ("ACC-003", "ACC-004", "RET-001", "RET-002", "SAR-001", "TPP-001", "TPP-002"):
        assert found.get(code, 0) > 0, code
    assert found.get("ACC-004", 0) <= 2  # the planted address bursts, not background noise


def test_csv_form_holds_the_same_rows(large: Path, tmp_path: Path) -> None:
    steps: list[tuple[str, int, int]] = []
    csv = generate_large(
        tmp_path / "csv", seed=3, scale=SCALE, fmt="csv", on_step=lambda *s: steps.append(s)
    )
    # each table reported once written, then the manifest (the command line's bar)
    total = len(TABLE_ORDER) + 1
    assert steps == [(name, n, total) for n, name in enumerate([*TABLE_ORDER, "manifest.json"], 1)]
    assert (csv / "logins.csv").read_text(encoding="utf-8").startswith("login_id,ts,user_id,")
    first, second = open_snapshot(large), open_snapshot(csv)
    try:
        for table in ("logins", "communications", "preferences", "subject_requests"):
            query = f"SELECT * FROM {table} ORDER BY ALL"
            assert first.con.execute(query).fetchall() == second.con.execute(query).fetchall()
    finally:
        first.con.close()
        second.con.close()


def test_command_line_refuses_a_bad_scale_and_a_foreign_folder(tmp_path: Path) -> None:
    done = subprocess.run(
        [CLI, "sample", "--preset", "large", "--scale", "100", "--out", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "--scale" in done.stderr
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError, match="holds no large sample"):
        generate_large(tmp_path, scale=SCALE)
    assert (tmp_path / "notes.txt").is_file()
    assert not (tmp_path / PRESET_FILE).exists()


def test_an_earlier_large_sample_is_replaced_whole_and_a_file_of_yours_refused(
    large: Path, tmp_path: Path
) -> None:
    earlier = Path(shutil.copytree(large, tmp_path / "earlier"))
    (earlier / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError, match=r"holds 'notes\.txt', which the large sample does not"):
        generate_large(earlier, seed=3, scale=SCALE)
    assert (earlier / "notes.txt").read_text(encoding="utf-8") == "mine"
    (earlier / "notes.txt").unlink()
    generate_large(earlier, seed=4, scale=SCALE)  # replaced whole, in place
    assert json.loads((earlier / PRESET_FILE).read_text(encoding="utf-8"))["seed"] == 4
    assert not [p.name for p in earlier.iterdir() if p.name.startswith(".")]
