"""The lock pins every declared dependency with hashes; notebooks and SQL ship as data."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from insight_workbench.reports.notebooks import NOTEBOOKS_DIR

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LOCK = (ROOT / "requirements.lock").read_text(encoding="utf-8")


def locked() -> dict[str, str]:
    pins = re.findall(r"^([A-Za-z0-9._-]+)==(\S+) \\$", LOCK, flags=re.MULTILINE)
    return {canonicalize_name(name): version for name, version in pins}


def test_every_declared_dependency_is_locked_within_its_range() -> None:
    pins = locked()
    declared = [
        *PROJECT["project"]["dependencies"],
        *(d for extra in PROJECT["project"]["optional-dependencies"].values() for d in extra),
    ]
    for text in declared:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"requirements.lock lacks {name}: run `make lock`"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]}: `make lock`"


def test_every_pin_carries_a_hash() -> None:
    blocks = re.split(r"\n(?=[A-Za-z0-9._-]+==)", LOCK.split("\n", 2)[2].strip())
    assert len(blocks) == len(locked())
    for block in blocks:
        assert "--hash=sha256:" in block, block.splitlines()[0]


def test_notebooks_and_sql_are_package_data() -> None:
    package_data = PROJECT["tool"]["setuptools"]["package-data"]["*"]
    assert {"*.sql", "*.toml", "*.ipynb"} <= set(package_data)
    assert NOTEBOOKS_DIR == ROOT / "insight_workbench" / "notebooks"
    assert (ROOT / "notebooks").resolve() == NOTEBOOKS_DIR  # the checkout's link
    assert sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
