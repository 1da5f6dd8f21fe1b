"""Files written whole or not at all.

The bytes go to a temporary file in the target's folder (so the final rename
stays on one file system), are flushed to disk, and the file is then renamed
into place; on any failure the temporary file is removed and the target is
left as it was. The files hold data from snapshots, so they are readable by
their owner only (0600, as `tempfile.mkstemp` creates them).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomically(target: Path, data: bytes, *, overwrite: bool = True) -> None:
    """Write `data` to `target`. With `overwrite=False` an existing target is never
    replaced, even one that appears while writing: FileExistsError."""
    if not overwrite and target.exists():
        raise FileExistsError(target)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(temporary, target)
        else:
            _place_without_replacing(Path(temporary), target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _place_without_replacing(temporary: Path, target: Path) -> None:
    # A hard link fails when the target exists, so nothing is ever overwritten.
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: check, then rename
        if target.exists():
            raise FileExistsError(target) from None
        os.replace(temporary, target)
        return
    os.unlink(temporary)
