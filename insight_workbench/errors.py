"""The workbench's own error type: input that cannot be used.

Messages name the file, table, row and column, never a cell value or a raw line:
the data is personal.
"""

import os
import traceback
from pathlib import Path

DEBUG_VARIABLE = "INSIGHT_DEBUG"  # set: an unexpected error shows its whole traceback


class InputError(Exception):
    """The input (snapshot, option, policy file) cannot be used. Views exit with code 2."""


OUT_OF_MEMORY = "out of memory: raise the memory limit (--memory-limit, INSIGHT_MEMORY_LIMIT)"
NO_SPACE = "no space left on the disk of the cache folder or the spill folder (INSIGHT_TEMP_DIR)"


def resource_problem(error: BaseException) -> str | None:
    """What ran out when DuckDB or the file system failed for want of memory or disk, or
    None for any other failure. Only the kind is read: the error's text may quote data."""
    if type(error).__name__ == "OutOfMemoryException" or isinstance(error, MemoryError):
        return OUT_OF_MEMORY
    if "No space left on device" in str(error):
        return NO_SPACE
    return None


def defect_summary(error: BaseException) -> str:
    """An unexpected error (a defect of the workbench) by its type and the places it
    passed through (file:line, innermost first), never its message: the message of a
    library's error may quote a cell value (`KeyError: 'ann@example.org'`)."""
    frames = traceback.extract_tb(error.__traceback__)
    shown = frames[-4:]
    where = " <- ".join(f"{Path(f.filename).name}:{f.lineno}" for f in reversed(shown))
    ours = [f for f in frames if _workbench_code(f.filename)]
    if ours and ours[-1] not in shown:  # deep in a library: where the workbench called it
        where += f" (from {Path(ours[-1].filename).name}:{ours[-1].lineno})"
    return f"{type(error).__name__} at {where}" if where else type(error).__name__


def _workbench_code(filename: str) -> bool:
    parts = Path(filename).parts
    return "insight_workbench" in parts or "app_pages" in parts or parts[-1:] == ("app.py",)


def debugging(environ: dict[str, str] | None = None) -> bool:
    """Whether `INSIGHT_DEBUG` asks for whole tracebacks (`0`, `false`, `no`, `off` do not)."""
    value = (os.environ if environ is None else environ).get(DEBUG_VARIABLE, "")
    return value.strip().lower() not in ("", "0", "false", "no", "off")
