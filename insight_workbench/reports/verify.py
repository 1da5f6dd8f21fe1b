"""`reports verify`: each run under a folder checked against its record and signature.

Verifying only reads: no record is rewritten (a run killed part-way is reported as not
finished, not recorded as interrupted), and a single run folder is checked alone.
Whatever under a reports folder cannot be checked as a run (a symbolic link, a record
that cannot be read, a run folder whose run.json is gone) is named as a problem.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from insight_workbench.errors import InputError
from insight_workbench.reports.run_lock import LOCK_FILE
from insight_workbench.reports.run_records import RUN_FILE
from insight_workbench.reports.runs import PastRun, Skipped, scan_one_run, scan_runs
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
    trusted = _trusted_key(public_key)
    if os.path.lexists(path / RUN_FILE):  # a link is a run folder's problem, not "no run"
        scan = scan_one_run(path.resolve())  # `.` or a bare run name has no parents of its own
    elif path.is_dir():
        scan = scan_runs(path, settle=False)
    else:
        raise InputError(f"{path}: no such run or reports folder")
    if not scan.runs and not scan.skipped:
        raise InputError(f"{path}: no run found (a run folder holds a run.json)")
    verdicts = [_not_checked(skipped) for skipped in scan.skipped]
    return verdicts + [_checked(run, trusted) for run in scan.runs]


def _trusted_key(public_key: Path | None) -> Ed25519PublicKey | None:
    if public_key is not None:
        return load_public_key(public_key)
    configured = signing_key_file()
    return load_private_key(configured).public_key() if configured else None


def _not_checked(skipped: Skipped) -> Verdict:
    """A folder or record that could not be checked, named by its run folder."""
    if skipped.path.name == RUN_FILE:
        return Verdict(skipped.path.parent, [f"{RUN_FILE} is {skipped.reason}"])
    return Verdict(skipped.path, [skipped.reason])


def _checked(run: PastRun, trusted: Ed25519PublicKey | None) -> Verdict:
    problem = run.problem
    if problem:
        return Verdict(run.folder, [problem])
    verdict = verify_run(run.folder, run.record, trusted)
    verdict.problems += _unlisted(run)
    return verdict


def _unlisted(run: PastRun) -> list[str]:
    """What the run folder holds that its record does not list (a file added after the
    run, which no digest covers); the record itself and the runner's lock aside."""
    files = run.record.get("files") or {}
    digested = [str(name).split("/", 1)[0] for name in run.record.get("sha256") or {}]
    listed = {RUN_FILE, *([LOCK_FILE] if _runners_lock(run) else []), *files.values(), *digested}
    try:
        present = set(os.listdir(run.folder))
    except OSError as error:
        return [f"the run folder cannot be listed ({error.strerror})"]
    return [f"{name}: not listed in {RUN_FILE}" for name in sorted(present - listed)]


def _runners_lock(run: PastRun) -> bool:
    """Whether the run's lock file is the runner's: a running run's, or the empty file a
    run killed between its final record and removing the lock left (one holding
    anything was put there by someone else)."""
    if run.record.get("status") == "running":
        return True
    try:
        found = os.lstat(run.folder / LOCK_FILE)
    except OSError:
        return False
    return stat.S_ISREG(found.st_mode) and found.st_size == 0
