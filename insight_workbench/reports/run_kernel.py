"""The kernel a report notebook runs in, and the environment it inherits.

The kernel talks over local sockets in a private temporary folder of the run (its
connection file too): runs at the same moment cannot collide, and no cell's output
crosses a network socket. It starts without the debugger when it is this
environment's ipykernel. It inherits this process's environment, the paths in it made
absolute, and is told which snapshot and policy settings the run records. Its
harmless shutdown noise is kept out of the logs.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import default
from traitlets.config import Config

from insight_workbench.analyst.pseudonyms import KEY_FILE_VARIABLE
from insight_workbench.ledger.database import is_url
from insight_workbench.reports.kernel_launcher import MODULE as KERNEL_LAUNCHER
from insight_workbench.reports.notebooks import RUN_POLICY_VARIABLE, RUN_SNAPSHOT_VARIABLE

KERNEL = "python3"


class IpcKernelManager(AsyncKernelManager):
    """The kernel talks over local sockets, not loopback TCP: the cells' outputs
    (personal data) never cross an unencrypted network socket. It starts through
    kernel_launcher (no debugger) when its kernel is ipykernel's."""

    @default("transport")
    def _default_transport(self) -> str:
        return "ipc"

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command: list[str] = super().format_kernel_cmd(extra_arguments)
        return without_debugger(command)


def without_debugger(command: list[str], interpreter: str = sys.executable) -> list[str]:
    """A kernel command `python -m ipykernel_launcher ...` made to start kernel_launcher
    instead, when its python is one of this environment's (a `python*` in the folder of
    `interpreter`, which holds the launcher: a kernel spec names `python` where the
    command line runs `python3`); any other command is left as it is. The interpreter
    flag kept for the debugger's breakpoints (`-Xfrozen_modules=off`) goes too."""
    if not command or not _same_environment(command[0], interpreter):
        return command
    for index in range(len(command) - 1):
        if command[index] == "-m" and command[index + 1] == "ipykernel_launcher":
            start = [arg for arg in command[:index] if arg != "-Xfrozen_modules=off"]
            return [*start, "-m", KERNEL_LAUNCHER, *command[index + 2 :]]
    return command


def _same_environment(python: str, interpreter: str) -> bool:
    """Folders compared with links resolved (an environment reached through a linked
    folder is the same one); the interpreters themselves are not resolved, since every
    environment's python links to the same system interpreter."""
    named = Path(os.path.abspath(python))
    if not named.name.startswith("python"):
        return False
    return named.parent.resolve() == Path(os.path.abspath(interpreter)).parent.resolve()


@contextmanager
def private_kernel_folder() -> Iterator[Config]:
    """A new folder only this user can enter, for the kernel's connection file and its
    sockets (whose names would otherwise be fixed, relative to the current folder)."""
    with tempfile.TemporaryDirectory(prefix="insight-kernel-", ignore_cleanup_errors=True) as tmp:
        private = Path(tmp)  # mkdtemp: mode 0700
        # The kernel's IPython profile too: no folder left in $HOME, and no startup
        # script of the user's own changes what an audit notebook computes.
        with _variable_set("IPYTHONDIR", str(private / "ipython")):
            yield Config(
                IpcKernelManager={
                    "connection_file": str(private / "kernel.json"),
                    "ip": str(private / "kernel-ipc"),
                }
            )


@contextmanager
def _variable_set(name: str, value: str) -> Iterator[None]:
    """The environment variable `name` (inherited by the kernel) is `value` meanwhile."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


QUIET_LOGGERS = ("tornado", "asyncio", "traitlets", "papermill")


@contextmanager
def quiet_kernel_shutdown() -> Iterator[None]:
    """The kernel's message streams and its client may log a harmless error with a
    traceback while the kernel shuts down ("Kernel died" after a Ctrl-C); a run's outcome
    is recorded in run.json, not in those logs. After a Ctrl-C they stay quiet: the
    process is ending, and what is left of the run is logged as it is collected."""
    loggers = [logging.getLogger(name) for name in QUIET_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    except KeyboardInterrupt:
        raise
    except BaseException:
        _set_levels(loggers, levels)
        raise
    _set_levels(loggers, levels)


def _set_levels(loggers: list[logging.Logger], levels: list[int]) -> None:
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


# The settings naming a file or folder that the kernel reads as this process does: the
# cache of workspaces (and the ledger in it by default), the spill folder, the ledger.
FOLDER_VARIABLES = ("INSIGHT_CACHE_DIR", "INSIGHT_TEMP_DIR", "INSIGHT_LEDGER")


@contextmanager
def kernel_environment(checksum: str, policy: str) -> Iterator[None]:
    """The kernel inherits this process's environment but runs in its run folder: a
    relative key file path, cache or spill folder or SQLite ledger is made absolute for
    the run's duration (else the kernel would build a second workspace of the snapshot
    inside the run folder, or read an empty ledger made there). It is told the
    `checksum` of the snapshot's manifest and the fingerprint of the `policy` settings
    the record names, and refuses any other."""
    with ExitStack() as stack:
        stack.enter_context(_variable_set(RUN_SNAPSHOT_VARIABLE, checksum))
        stack.enter_context(_variable_set(RUN_POLICY_VARIABLE, policy))
        for name in (KEY_FILE_VARIABLE, *FOLDER_VARIABLES):
            value = os.environ.get(name, "")
            value = value.strip() if name == KEY_FILE_VARIABLE else value  # as each reads it
            if value and not is_url(value):
                # as this process reads it: from the working folder, `~` expanded
                made = str(Path(value).expanduser().absolute())
                if made != value:
                    stack.enter_context(_variable_set(name, made))
        yield
