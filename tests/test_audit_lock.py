"""`make audit`: pip-audit's report on the lock becomes one verdict."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "audit_lock.py"
_spec = importlib.util.spec_from_file_location("audit_lock", SCRIPT)
assert _spec is not None
assert _spec.loader is not None
audit_lock = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(audit_lock)
verdict = audit_lock.verdict


def report(*dependencies: dict[str, object]) -> str:
    return json.dumps({"dependencies": list(dependencies), "fixes": []})


CLEAN = {"name": "nh3", "version": "0.3.8", "vulns": []}
NOT_FOUND = {"name": "duckdb", "skip_reason": "Dependency not found on PyPI"}


def test_a_known_vulnerability_fails_naming_package_advisory_and_fix() -> None:
    vulnerable = {
        "name": "nbconvert",
        "version": "7.16.0",
        "vulns": [{"id": "GHSA-xm59-rqc7-hhvf", "fix_versions": ["7.17.1"]}],
    }
    code, lines = verdict(1, report(CLEAN, vulnerable, NOT_FOUND), "")
    assert code == 1
    assert lines == ["vulnerable: nbconvert 7.16.0: GHSA-xm59-rqc7-hhvf (fixed in 7.17.1)"]


def test_no_advisory_passes_and_names_what_could_not_be_looked_up() -> None:
    code, lines = verdict(0, report(CLEAN, NOT_FOUND), "")
    assert code == 0
    assert lines == ["audit: 1 locked packages, no known advisories (1 not found: duckdb)"]


def test_every_lookup_failing_is_an_offline_skip_not_a_clean_audit() -> None:
    code, lines = verdict(0, report(NOT_FOUND, {**NOT_FOUND, "name": "nh3"}), "")
    assert (code, lines) == (0, [audit_lock.SKIPPED])


def test_an_unreachable_service_is_skipped_in_one_line() -> None:
    stderr = "ERROR:pip_audit._cli:Could not connect to PyPI's vulnerability feed\n"
    assert verdict(1, "", stderr) == (0, [audit_lock.SKIPPED])


def test_any_other_pip_audit_error_fails() -> None:
    stderr = "ERROR: requirements.lock: hash mismatch for nh3\n"
    assert verdict(1, "", stderr) == (1, ["audit failed: pip-audit: " + stderr.strip()])
