"""The kernel a report runs in: ipykernel, started without its debugger.

A report's kernel runs its cells unattended; no debugger ever attaches to it. When
debugpy is installed, ipykernel loads it at start, a quarter of the kernel's start-up
in every run. This launcher does what `ipykernel_launcher` does, with debugpy marked
absent while ipykernel loads (ipykernel then starts without a debugger); the mark is
lifted at once, so a cell can still import debugpy.

Every shutdown of a kernel starts with an interrupt (jupyter_client does so, in case a
cell is stuck). When it lands while the kernel is still finishing its last message,
ipykernel logs "KeyboardInterrupt caught in kernel" as an error on the report command's
stderr, after a run that succeeded. That one line is dropped.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

MODULE = "insight_workbench.reports.kernel_launcher"
KERNEL_LOGGER = "IPKernelApp"  # the kernel application's logger, which its kernel uses


def not_a_shutdown_interrupt(record: logging.LogRecord) -> bool:
    """False for ipykernel's report of an interrupt between messages."""
    return not str(record.msg).startswith("KeyboardInterrupt caught in kernel")


def main() -> None:
    # As ipykernel_launcher: the run folder leaves the import path while the kernel
    # loads (the shell puts it back), so no file there can stand in for a library.
    if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
        del sys.path[0]
    sys.modules["debugpy"] = None  # type: ignore[assignment]  # "not installed"
    try:
        import ipykernel.debugger  # noqa: F401  # decides here: no debugger
        from ipykernel import kernelapp
    finally:
        del sys.modules["debugpy"]
    logging.getLogger(KERNEL_LOGGER).addFilter(not_a_shutdown_interrupt)
    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
