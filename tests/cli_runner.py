"""Running the command line in tests: in this process through `cli.main` (fast), or as
the installed console script in a child process (one smoke test per command).

Both give a `subprocess.CompletedProcess` (args, returncode, stdout, stderr), so a test
asserts the same things either way. In-process, an exception escaping `main` is printed
to stderr as the interpreter would print it (exit code 1), so "no traceback" checks keep
their meaning.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from unittest import mock

from insight_workbench import cli

SCRIPT = Path(sys.executable).with_name("insight-workbench")


def run_cli(
    *args: str | Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    settings_files: bool = False,
) -> subprocess.CompletedProcess[str]:
    """`insight-workbench ARGS` run in this process, as the console script runs it;
    `env` replaces the whole environment (reading no app settings file unless
    `settings_files`, as the suite's own does not) and `cwd` the working folder."""
    argv = ["insight-workbench", *map(str, args)]
    env = _without_settings_files(env, settings_files)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(sys, "argv", argv))
        # Restored afterwards either way: a command may set what the app's settings file
        # gives (`settings_file.py`), which must not reach the next test.
        stack.enter_context(mock.patch.dict(os.environ, env or {}, clear=env is not None))
        if cwd is not None:
            stack.enter_context(contextlib.chdir(cwd))
        stack.enter_context(contextlib.redirect_stdout(out))
        stack.enter_context(contextlib.redirect_stderr(err))
        # A finished command ignores Ctrl-C while its process exits: not this process.
        stack.callback(signal.signal, signal.SIGINT, signal.getsignal(signal.SIGINT))
        code = _exit_code(err)
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def _without_settings_files(
    env: Mapping[str, str] | None, settings_files: bool
) -> Mapping[str, str] | None:
    """A whole environment given for a run still reads no app settings file (a
    developer's own would name a real ledger), as tests/conftest.py sets for the suite;
    unless `settings_files`, or the environment names one itself."""
    if env is None or settings_files:
        return env
    return {"INSIGHT_SETTINGS_FILE": "", **env}


def _exit_code(err: io.StringIO) -> int:
    try:
        cli.main()
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            return done.code or 0
        print(done.code, file=err)  # sys.exit("text"): printed, exit code 1
        return 1
    except Exception:
        traceback.print_exc(file=err)
        return 1
    return 0


def run_script(
    *args: str | Path, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`insight-workbench ARGS` as the installed console script, in a child process."""
    env = _without_settings_files(env, settings_files=False)
    return subprocess.run(
        [str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=None if env is None else dict(env),
        cwd=cwd,
    )


def on_a_terminal(
    argv: Sequence[str], env: Mapping[str, str], *, stderr_too: bool = True
) -> tuple[int, str]:
    """Run `argv` with standard output (and standard error, with `stderr_too`) on a
    pseudo-terminal; its exit code and what the terminal showed."""
    import pty
    import select

    main, child = pty.openpty()
    errors = child if stderr_too else subprocess.DEVNULL
    run = subprocess.Popen(
        list(argv), stdin=child, stdout=child, stderr=errors, env=dict(env), close_fds=True
    )
    os.close(child)
    shown = b""
    while True:
        ready, _, _ = select.select([main], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    return run.wait(timeout=60), shown.decode("utf-8", errors="replace")
