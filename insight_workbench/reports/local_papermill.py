"""papermill for notebooks on this machine: import this module before papermill.

At import papermill probes every storage back-end it knows and keeps those installed.
pyarrow is installed here for the loader, so papermill's HDFS back-end would load
pyarrow and numpy into each report run (a third of papermill's import) for a store no
run ever reads. Marking `pyarrow.fs` absent while papermill loads makes papermill take
HDFS as not installed; the mark is lifted at once, so a later import of pyarrow.fs
works. A process that already holds pyarrow (the app) pays nothing more and is left as
it is.
"""

from __future__ import annotations

import sys

if "papermill" not in sys.modules and "pyarrow" not in sys.modules:
    sys.modules["pyarrow.fs"] = None  # type: ignore[assignment]  # "not installed"
    try:
        import papermill  # noqa: F401
    finally:
        del sys.modules["pyarrow.fs"]
