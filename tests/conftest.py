"""Shared fixtures: the committed sample snapshot, loaded once per test session."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from insight_workbench.loading.snapshot import Snapshot, load_snapshot

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"

# Workspaces built by the tests (and the commands they run) go to a cache of their own.
_CACHE = tempfile.mkdtemp(prefix="insight-test-cache-")
os.environ["INSIGHT_CACHE_DIR"] = _CACHE


def pytest_unconfigure(config: pytest.Config) -> None:  # noqa: ARG001 (pytest's hook signature)
    shutil.rmtree(_CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def sample(sample_path: Path) -> Snapshot:
    """The committed sample snapshot, loaded once (read-only: use `sample.cursor()`)."""
    return load_snapshot(sample_path)


@pytest.fixture(scope="session")
def people_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small snapshot of people for subject-access pack tests (see tests/sar_people.py)."""
    from sar_people import build_people

    return build_people(tmp_path_factory.mktemp("people") / "people")


@pytest.fixture(scope="session")
def usage_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded snapshot of organisations, users and activity (see tests/usage_people.py)."""
    from usage_people import build_usage_snapshot

    return build_usage_snapshot(tmp_path_factory.mktemp("usage") / "usage")
