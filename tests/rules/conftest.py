"""Running one rule over a snapshot built from rows (table-driven rule tests)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from insight_workbench.findings import Finding
from insight_workbench.loading.manifest import write_manifest
from insight_workbench.loading.snapshot import load_snapshot
from insight_workbench.policy import Policy, load_policy
from insight_workbench.rules import REGISTRY, run_rules
from insight_workbench.testing import build_snapshot
from insight_workbench.timeutil import parse_timestamp

RunRule = Callable[..., list[Finding]]
EXPORTED_AT = "2026-11-28T02:00:00Z"  # the default of build_snapshot


def _policy_file(folder: Path, overrides: Mapping[str, Mapping[str, Any]]) -> Path:
    lines = []
    for section, values in overrides.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {value!r}" for key, value in values.items()]
    path = folder / "policy.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def default_policy() -> Policy:
    """The default policy, built once (it is immutable)."""
    return load_policy()


@pytest.fixture
def run_rule(tmp_path: Path, default_policy: Policy) -> RunRule:
    """`run_rule(code, tables, deidentified=None, policy=None, edit=None, as_of=None,
    **build_options)`: the findings of rule `code` on a snapshot of `tables` (rows as
    dicts), with `policy` overriding sections of the default policy, `edit(folder)`
    altering the files and `as_of` (default: the export time) the moment judged."""
    counter = iter(range(1_000_000))

    def run(
        code: str,
        tables: Mapping[str, Any] | None = None,
        deidentified: Mapping[str, Any] | None = None,
        policy: Mapping[str, Mapping[str, Any]] | None = None,
        edit: Callable[[Path], None] | None = None,
        as_of: str | None = None,
        **options: Any,
    ) -> list[Finding]:
        folder = tmp_path / f"snapshot{next(counter)}"
        build_snapshot(folder, tables or {}, deidentified=deidentified, **options)
        if edit is not None:  # change the files by hand, then re-issue the manifest
            edit(folder)
            write_manifest(folder, parse_timestamp(options.get("exported_at", EXPORTED_AT)))
        snapshot = load_snapshot(folder)
        chosen = load_policy(_policy_file(tmp_path, policy)) if policy else default_policy
        try:
            moment = parse_timestamp(as_of) if as_of else snapshot.manifest.exported_at
            return run_rules(snapshot, chosen, moment, [REGISTRY[code]])
        finally:
            snapshot.con.close()

    return run
