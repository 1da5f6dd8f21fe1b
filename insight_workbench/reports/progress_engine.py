"""Papermill's nbclient engine, reporting each executed cell to an `on_step` callback.

Papermill's own progress bar writes to the terminal itself (tqdm); the library never
prints, so the engine hands "cell n of m" to the caller instead. Run a notebook with
`engine_name=ENGINE` and `on_step=...`.

The executed notebook is written as each cell finishes (so a run stopped part-way
leaves what had run), not also as each starts: papermill would write the whole
notebook, outputs and all, twice per cell, and a cell's start adds no output.
"""

from __future__ import annotations

from typing import Any

import insight_workbench.reports.local_papermill  # noqa: F401  # first: see there

# isort: split
from papermill.engines import NBClientEngine, papermill_engines

from insight_workbench.progress import OnStep

ENGINE = "insight-workbench-progress"


class ProgressEngine(NBClientEngine):  # type: ignore[misc]  # papermill ships no types
    @classmethod
    def execute_managed_notebook(
        cls, nb_man: Any, kernel_name: str, on_step: OnStep | None = None, **kwargs: Any
    ) -> Any:
        _save_when_cells_finish(nb_man)
        if on_step is not None:
            _report_cells(nb_man, on_step)
        return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)


def _save_when_cells_finish(nb_man: Any) -> None:
    start = nb_man.cell_start

    def cell_start(cell: Any, cell_index: int | None = None, **kwargs: Any) -> None:
        save, nb_man.save = nb_man.save, _no_save
        try:
            start(cell, cell_index=cell_index, **kwargs)
        finally:
            nb_man.save = save

    nb_man.cell_start = cell_start


def _no_save(**_: Any) -> None:
    return None


def _report_cells(nb_man: Any, on_step: OnStep) -> None:
    complete = nb_man.cell_complete
    total = len(nb_man.nb.cells)

    def cell_complete(cell: Any, cell_index: int | None = None, **kwargs: Any) -> None:
        complete(cell, cell_index=cell_index, **kwargs)
        done = (cell_index or 0) + 1
        on_step(f"cell {done} of {total}", done, total)

    nb_man.cell_complete = cell_complete


papermill_engines.register(ENGINE, ProgressEngine)
