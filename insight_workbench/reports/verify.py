"""`reports verify`: each run under a folder checked against its record and signature."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from insight_workbench.errors import InputError
from insight_workbench.reports.runner import RUN_FILE
from insight_workbench.reports.runs import UNREADABLE, scan_runs
from insight_workbench.reports.signing import (
    Verdict,
    load_private_key,
    load_public_key,
    signing_key_file,
    verify_run,
)


def verify_runs(path: Path, public_key: Path | None = None) -> list[Verdict]:
    """Check the run folder `path`, or every run under the reports folder `path`.
    The trusted key: `public_key`, else the public half of the configured signing key."""
    trusted: Ed25519PublicKey | None = None
    if public_key is not None:
        trusted = load_public_key(public_key)
    else:
        configured = signing_key_file()
        trusted = load_private_key(configured).public_key() if configured else None
    if (path / RUN_FILE).is_file():
        folder = path.resolve()  # `.` or a bare run name has no parents of its own
        scan = scan_runs(folder.parent.parent)
        runs = [run for run in scan.runs if run.folder == folder]
        damaged = [s.path.parent for s in scan.skipped if s.path == folder / RUN_FILE]
    elif path.is_dir():
        scan = scan_runs(path)
        runs = scan.runs
        damaged = [s.path.parent for s in scan.skipped if s.reason == UNREADABLE]
    else:
        raise InputError(f"{path}: no such run or reports folder")
    if not runs and not damaged:
        raise InputError(f"{path}: no run found (a run folder holds a run.json)")
    verdicts = [Verdict(folder, [f"{RUN_FILE} is {UNREADABLE}"]) for folder in damaged]
    for run in runs:
        problem = run.problem
        if problem:
            verdicts.append(Verdict(run.folder, [problem]))
        else:
            verdicts.append(verify_run(run.folder, run.record, trusted))
    return verdicts
