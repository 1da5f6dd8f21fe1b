"""papermill for notebooks on this machine: import this module before papermill.

At import papermill probes every storage back-end it knows and keeps those installed.
pyarrow is installed here for the loader, so papermill's HDFS back-end would load
pyarrow and numpy into each report run (a third of papermill's import) for a store no
run ever reads. Marking `pyarrow.fs` absent while papermill loads makes papermill take
HDFS as not installed; the mark is lifted at once, so a later import of pyarrow.fs
works. A process that already holds pyarrow (the app) pays nothing more and is left as
it is.

papermill writes the executed notebook over itself as each cell finishes. Here it is
written whole or not at all, as every other file of a run: a full disk leaves the last
complete notebook, not a truncated one, and the failure names the notebook (a
WriteError), which the OS does not. The handler doing so is registered through
papermill's own way to add a store, for absolute paths (the runner gives its paths so).
"""

from __future__ import annotations

import sys
from pathlib import Path

from insight_workbench.atomic import naming_the_target, write_atomically

if "papermill" not in sys.modules and "pyarrow" not in sys.modules:
    sys.modules["pyarrow.fs"] = None  # type: ignore[assignment]  # "not installed"
    try:
        import papermill  # noqa: F401
    finally:
        del sys.modules["pyarrow.fs"]

# isort: split
from papermill.iorw import LocalHandler, papermill_io


class WholeNotebookHandler(LocalHandler):  # type: ignore[misc]  # papermill is untyped
    """papermill's handler of files on this machine, each notebook written whole."""

    def write(self, buf: str, path: str) -> None:
        target = Path(path)
        with naming_the_target(target):
            write_atomically(target, buf.encode("utf-8"))


papermill_io.register("/", WholeNotebookHandler())
