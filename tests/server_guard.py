"""A server a test starts is stopped when the test process ends, however it ends (and
the run's scratch folder, which sits in memory, is removed).

A fixture's teardown stops it when the run ends or is interrupted (Ctrl-C, SIGTERM),
but a worker killed outright (SIGKILL, or pytest-xdist ending its workers when only the
controller is interrupted) runs no teardown: PostgreSQL (a daemon of its own) and the
app's servers would run on. `guarded` starts a small watchdog in a session of its own,
so the same signal does not reach it, that runs the cleanup command once this process
has gone; the fixture's own stop ends the watchdog first.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

# Checks once a second whether the owner is still there; then runs the cleanup.
WATCHDOG = """
import os, subprocess, sys, time
owner = int(sys.argv[1])
while True:
    try:
        os.kill(owner, 0)
    except (ProcessLookupError, PermissionError):  # gone (its number another user's now)
        break
    time.sleep(1)
subprocess.run(sys.argv[2:], stdin=subprocess.DEVNULL, capture_output=True, check=False)
"""


def watchdog(cleanup: Sequence[str]) -> subprocess.Popen[bytes]:
    """A watchdog that runs `cleanup` (a command) once this process has ended, unless it
    is killed first."""
    return subprocess.Popen(
        [sys.executable, "-c", WATCHDOG, str(os.getpid()), *cleanup],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


@contextmanager
def guarded(cleanup: Sequence[str]) -> Iterator[None]:
    """Within the block, `cleanup` runs if this process ends without leaving the block;
    leaving it, normally or by an exception, ends the watchdog unused."""
    watching = watchdog(cleanup)
    try:
        yield
    finally:
        watching.kill()
        watching.wait()
