"""The kernel a report runs in: ipykernel, started without its debugger.

A report's kernel runs its cells unattended; no debugger ever attaches to it. When
debugpy is installed, ipykernel loads it at start, a quarter of the kernel's start-up
in every run. This launcher does what `ipykernel_launcher` does, with debugpy marked
absent while ipykernel loads (ipykernel then starts without a debugger); the mark is
lifted at once, so a cell can still import debugpy.

Every shutdown of a kernel starts with an interrupt (jupyter_client does so, in case a
cell is stuck). When it lands while the kernel is still finishing its last message,
ipykernel logs "KeyboardInterrupt caught in kernel" as an error on the report command's
stderr, after a run that succeeded. That one line is dropped. So is the traceback of a
reply sent on a socket the shutdown has already closed (a Ctrl-C ends the run while a
cell is running): the cell's own error, if any, reaches the run by its messages, never
by this log. A kernel whose run has ended already (its parent gone, or its connection
file removed before it started) ends without a word: its run is over and was said so.
"""

from __future__ import annotations

import errno
import logging
import sys
from pathlib import Path

MODULE = "insight_workbench.reports.kernel_launcher"
KERNEL_LOGGER = "IPKernelApp"  # the kernel application's logger, which its kernel uses


def not_a_shutdown_interrupt(record: logging.LogRecord) -> bool:
    """False for ipykernel's report of an interrupt between messages."""
    return not str(record.msg).startswith("KeyboardInterrupt caught in kernel")


def not_a_closed_socket(record: logging.LogRecord) -> bool:
    """False for an error raised by sending on a socket already closed (ENOTSOCK)."""
    error = record.exc_info[1] if record.exc_info else None
    return getattr(error, "errno", None) != errno.ENOTSOCK or not _from_zmq(error)


def _from_zmq(error: object) -> bool:
    return type(error).__module__.startswith("zmq")


def not_a_parent_gone(record: logging.LogRecord) -> bool:
    """False for ipykernel's notice that it ends with its parent (the report command)."""
    return not str(record.msg).startswith("Parent appears to have exited")


def connection_file(argv: list[str]) -> str | None:
    """The connection file named by `-f FILE` (or `-f=FILE`, `--f=FILE`) in `argv`."""
    for index, arg in enumerate(argv):
        if arg == "-f" and index + 1 < len(argv):
            return argv[index + 1]
        for prefix in ("-f=", "--f="):
            if arg.startswith(prefix):
                return arg.removeprefix(prefix)
    return None


def main() -> None:
    named = connection_file(sys.argv[1:])
    if named is not None and not Path(named).is_file():  # the run ended before it started
        sys.exit(1)  # not a kernel of its own on TCP, unencrypted, for nobody
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
    logging.getLogger(KERNEL_LOGGER).addFilter(not_a_closed_socket)
    logging.getLogger(KERNEL_LOGGER).addFilter(not_a_parent_gone)
    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
