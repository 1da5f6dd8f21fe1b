"""A progress bar on stderr while the library reports steps, shown only on a terminal.

Nothing is shown when stdout (or stderr) is not a terminal, so piped or redirected
output stays clean JSON or CSV, nor with `--quiet`. `rich` is imported only when a
bar is shown: building the command line stays light.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from insight_workbench.progress import OnStep
from insight_workbench.terminal import is_terminal

QuietOption = Annotated[
    bool, typer.Option("--quiet", help="Show no progress bar (none is shown unless on a terminal).")
]

# `phase(title)` gives the `on_step` callback of one piece of work, or None for no bar.
Phases = Callable[[str], OnStep | None]


def on_terminal() -> bool:
    return is_terminal(sys.stdout) and is_terminal(sys.stderr)


def _no_bar(_title: str) -> None:
    return None


@contextmanager
def progress_bar(quiet: bool) -> Iterator[Phases]:
    """Yields `phase(title)`; each phase that reports a step gets a bar of its own."""
    if quiet or not on_terminal():
        yield _no_bar
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:

        def phase(title: str) -> OnStep:
            task: list[TaskID] = []  # created on the first step: a phase with none shows nothing

            def on_step(label: str, done: int, total: int) -> None:
                if not task:
                    task.append(progress.add_task(title, total=total))
                description = f"{title}: {label}"
                progress.update(task[0], completed=done, total=total, description=description)

            return on_step

        yield phase
