"""Small files read whole within a bound: the files a setting names (a policy, a key, the
roles file) and the records a report run leaves. A regular file only (a named pipe would
be waited on for ever, a device read without end), of at most `limit` bytes. Links are
followed unless told not to: a secret is often mounted as one."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from insight_workbench.errors import InputError

KEY_BYTES = 64 * 1024  # a PEM key or a pseudonymisation key is well under a kilobyte
TEXT_BYTES = 1 << 20  # a policy or roles file
RECORD_BYTES = 1 << 20  # a run's run.json or results.json: a few kilobytes
SHOWN_FILE_BYTES = 256 << 20  # a report's HTML or PDF offered in the app: a few megabytes


def read_small(path: Path, where: str, limit: int, *, follow_links: bool = True) -> bytes:
    """The bytes of `path`; InputError starting with `where` for a file that is not a
    regular file or is larger than `limit`. OSError (a missing file, a link when links
    are not followed...) is left to the caller, which words it."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    descriptor = os.open(path, flags if follow_links else flags | os.O_NOFOLLOW)
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise InputError(f"{where} is not a regular file")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"{where} is larger than {limit} bytes")
    return data
