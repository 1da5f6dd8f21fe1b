"""The snapshot picker: only folders under the configured root, never a path outside it."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from insight_workbench.dashboard import snapshots
from insight_workbench.errors import InputError
from insight_workbench.testing import build_snapshot


@pytest.fixture
def root(tmp_path: Path) -> Path:
    base = tmp_path / "snapshots"
    build_snapshot(base / "2026-10")
    build_snapshot(base / "2026-11")
    (base / "not-a-snapshot").mkdir()
    build_snapshot(tmp_path / "outside")
    os.symlink(tmp_path / "outside", base / "link-out")
    os.symlink(base / "2026-11", base / "link-in")
    return base


def test_lists_only_snapshot_folders_inside_root(root: Path) -> None:
    assert snapshots.list_snapshots(root) == ["2026-10", "2026-11", "link-in"]
    assert snapshots.list_snapshots(None) == []
    assert snapshots.list_snapshots(root / "missing") == []


def test_resolves_a_listed_snapshot(root: Path) -> None:
    assert snapshots.resolve_choice(root, "2026-10") == (root / "2026-10").resolve()


@pytest.mark.parametrize(
    "name",
    [
        "../outside",
        "link-out",
        "2026-10/../../outside",
        "/etc",
        "",
        "not-a-snapshot",
        ".",
        "missing",
        # only a folder's own name: never a path, even one leading back inside
        "2026-10/../2026-10",
        "2026-10/",
        "{root}/2026-10",
        "2026-\x0010",
        "x" * 5000,
    ],
)
def test_refuses_paths_outside_root(root: Path, name: str) -> None:
    with pytest.raises(InputError, match="not a snapshot folder under the snapshots folder"):
        snapshots.resolve_choice(root, name.replace("{root}", str(root)))


def test_a_refused_name_is_shown_with_its_controls_escaped(root: Path) -> None:
    """A right-to-left override in the name turned the message around it backwards."""
    with pytest.raises(InputError, match=r"^snapshot '\\u202eO0002\\x1b': not a snapshot"):
        snapshots.resolve_choice(root, "\u202eO0002\x1b")


def test_refuses_when_no_root_is_configured() -> None:
    with pytest.raises(InputError, match="INSIGHT_SNAPSHOTS_ROOT"):
        snapshots.resolve_choice(None, "2026-10")


def test_default_snapshot(tmp_path: Path) -> None:
    assert snapshots.default_snapshot({}, tmp_path) == tmp_path / "data" / "sample"
    assert snapshots.default_snapshot({"INSIGHT_SNAPSHOT": "/x"}, tmp_path) == Path("/x")


def test_as_of_export_day_is_export_instant_other_days_midnight_utc() -> None:
    exported = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    assert snapshots.as_of_for(date(2026, 11, 28), exported) == exported
    assert snapshots.as_of_for(date(2026, 12, 1), exported) == datetime(2026, 12, 1, tzinfo=UTC)
