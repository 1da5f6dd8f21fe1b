"""Whether a run recorded as `running` is still running: the run holds a lock.

The run takes an exclusive `flock` on `.run.lock` in its folder before it first
writes run.json, and keeps it until the final record is written. The system
releases such a lock when its process dies, however it dies (SIGKILL included),
so a `running` record whose lock can be taken belongs to a run that was
interrupted. A lock rather than a process id: a process id can be reused.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

LOCK_FILE = ".run.lock"


class RunLock:
    """Held for a run's duration; `release` when its final record is written."""

    def __init__(self, folder: Path) -> None:
        # Not inherited by the kernel (Python opens files non-inheritable), so the
        # lock dies with this process.
        self._fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._path = folder / LOCK_FILE

    def release(self) -> None:
        # Removed before unlocking: a reader that opened it first sees the final record.
        with contextlib.suppress(FileNotFoundError):
            self._path.unlink()
        os.close(self._fd)


@contextlib.contextmanager
def unless_running(folder: Path) -> Iterator[bool]:
    """Yields True while holding the run's lock when no process holds it (the run has
    stopped: re-read its record before changing it); False when the run is alive."""
    try:
        fd = os.open(folder / LOCK_FILE, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:  # finished, or recorded before runs held a lock
        yield True
        return
    except OSError:  # unreadable, or a link: never followed
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)
