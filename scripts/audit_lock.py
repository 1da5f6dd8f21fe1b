"""Known advisories against the locked packages: `make audit`, part of `make test`.

    .venv/bin/python scripts/audit_lock.py requirements.lock

Runs pip-audit on the hash-pinned lock (no resolving, no installing) against PyPI's
advisory data. A known vulnerability fails (exit 1). When the advisory service cannot
be reached, one line says the audit was skipped and the exit is 0: an offline
machine can still run the tests, and says so instead of claiming a clean audit.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

# What requests and pip-audit say when the service is out of reach.
OFFLINE_SIGNS = (
    "Could not connect",
    "network may be blocking",
    "ConnectionError",
    "Max retries exceeded",
    "NameResolutionError",
    "name resolution",
    "Network is unreachable",
    "timed out",
)
SKIPPED = "audit skipped: the PyPI advisory service cannot be reached (no network)"


def pip_audit(lock: Path) -> subprocess.CompletedProcess[str]:
    command = [
        *(sys.executable, "-m", "pip_audit", "--requirement", str(lock)),
        *("--require-hashes", "--disable-pip", "--format", "json"),
        *("--progress-spinner", "off", "--timeout", "10"),
    ]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def verdict(returncode: int, stdout: str, stderr: str) -> tuple[int, list[str]]:
    """The exit code and the lines to print for one pip-audit run."""
    try:
        report: dict[str, Any] = json.loads(stdout)
    except ValueError:
        if any(sign in stderr for sign in OFFLINE_SIGNS):
            return 0, [SKIPPED]
        last = stderr.strip().splitlines()[-1:] or [f"exit code {returncode}"]
        return 1, [f"audit failed: pip-audit: {last[0]}"]
    found = report.get("dependencies", [])
    vulnerable = [d for d in found if d.get("vulns")]
    if vulnerable:
        return 1, [_vulnerability_line(d) for d in vulnerable]
    audited = [d for d in found if "skip_reason" not in d]
    if found and not audited:  # every lookup came back empty: the service is out of reach
        return 0, [SKIPPED]
    skipped = sorted(d["name"] for d in found if "skip_reason" in d)
    line = f"audit: {len(audited)} locked packages, no known advisories"
    return 0, [line + (f" ({len(skipped)} not found: {', '.join(skipped)})" if skipped else "")]


def _vulnerability_line(dependency: dict[str, Any]) -> str:
    advisories = []
    for vuln in dependency["vulns"]:
        fixed = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
        advisories.append(f"{vuln['id']} (fixed in {fixed})")
    return f"vulnerable: {dependency['name']} {dependency['version']}: {'; '.join(advisories)}"


def main() -> int:
    lock = Path(sys.argv[1] if len(sys.argv) > 1 else "requirements.lock")
    if not lock.is_file():
        print(f"audit failed: {lock}: no such lock file (`make lock` writes it)")
        return 2
    result = pip_audit(lock)
    code, lines = verdict(result.returncode, result.stdout, result.stderr)
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    raise SystemExit(main())
