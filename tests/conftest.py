"""Shared fixtures: the committed sample snapshot, loaded once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from insight_workbench.snapshot import Snapshot, load_snapshot

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(scope="session")
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def sample(sample_path: Path) -> Snapshot:
    """The committed sample snapshot, loaded once (read-only: use `sample.cursor()`)."""
    return load_snapshot(sample_path)
