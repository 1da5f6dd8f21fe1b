"""Progress of long work, reported through a callback: the library never prints.

`on_step(label, done, total)` is called after each step of a piece of work:
`label` names the step just finished, and `done` of `total` steps are complete.
The command line turns the calls into a progress bar on a terminal, the app into
status lines.
"""

from __future__ import annotations

from collections.abc import Callable

OnStep = Callable[[str, int, int], None]


class Steps:
    """Counts the finished steps of one piece of work and reports each to `on_step`."""

    def __init__(self, total: int, on_step: OnStep | None) -> None:
        self.total = total
        self.done = 0
        self._on_step = on_step

    def finished(self, label: str) -> None:
        self.done += 1
        if self._on_step is not None:
            self._on_step(label, self.done, max(self.total, self.done))
