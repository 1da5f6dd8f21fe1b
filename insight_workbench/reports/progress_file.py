"""A report run's progress as lines in a file, for the process that started it.

The app runs `insight-workbench report` as a child process; the child appends one line
per finished cell (`NOTEBOOK<TAB>DONE<TAB>TOTAL`) and the app reads the last whole line
to say "cell 5 of 23". Only the notebook's name and counts are written: nothing of the
snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from insight_workbench.errors import InputError
from insight_workbench.progress import OnStep


@dataclass(frozen=True)
class Step:
    notebook: str
    done: int
    total: int

    @property
    def words(self) -> str:
        return f"cell {self.done} of {self.total}"


def step_writer(path: Path, notebook: str) -> OnStep:
    """An `on_step` that appends each finished cell of `notebook` to `path` (an
    InputError at once when `path` cannot be appended to)."""
    path = path.absolute()  # papermill runs the notebook from the run's own folder
    if path.exists() and not path.is_file():  # a pipe would block, a device fail mid-run
        raise InputError(f"--progress-file: {path}: not a regular file")
    try:
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as error:
        raise InputError(f"--progress-file: {path}: cannot be written ({error.strerror})") from None

    def on_step(_label: str, done: int, total: int) -> None:
        with path.open("a", encoding="utf-8") as out:
            out.write(f"{notebook}\t{done}\t{total}\n")

    return on_step


def last_step(path: Path) -> Step | None:
    """The last finished cell written to `path`; None before the first (or without the
    file). A line still being written (no newline yet) is not read."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    for line in reversed(text.splitlines(keepends=True)):
        parts = line.rstrip("\n").split("\t")
        if line.endswith("\n") and len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            return Step(parts[0], int(parts[1]), int(parts[2]))
    return None


def both(*steps: OnStep | None) -> OnStep | None:
    """One `on_step` calling each given one (None when none is given)."""
    given = [s for s in steps if s is not None]
    if not given:
        return None

    def on_step(label: str, done: int, total: int) -> None:
        for step in given:
            step(label, done, total)

    return on_step
