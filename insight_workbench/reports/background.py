"""Starting a report run in the background (for the app): a child process runs
`insight-workbench report`, so a page can poll it and a rerun cannot kill it. The child
writes each finished cell to a progress file of the run's own, which `status` reads."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from insight_workbench.reports.progress_file import Step, last_step
from insight_workbench.reports.runner import absolute_path, prepare_run

CLI = "from insight_workbench.cli import main; main()"


@dataclass
class BackgroundRun:
    notebook: str
    process: subprocess.Popen[str]
    progress: Path | None = None  # the child's progress file, in a folder of this run's
    started: float = field(default_factory=time.monotonic)
    output: str = ""
    errors: str = ""
    step: Step | None = None  # the last finished cell heard of

    def status(self) -> str:
        """In words: "Running retention_audit: cell 5 of 23", or how long it has been
        starting before the first cell finished."""
        if self.progress is not None:
            self.step = last_step(self.progress) or self.step
        if self.step is None:
            return f"Running {self.notebook}: starting ({self.seconds} s)"
        return f"Running {self.step.notebook}: {self.step.words}"

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    @property
    def seconds(self) -> int:
        return int(time.monotonic() - self.started)

    def finish(self) -> int:
        """Wait for the run; its exit code (0 succeeded, 2 failed or refused)."""
        self.process.wait()
        if self.progress is not None:
            folder = self.progress.parent
            self.step = last_step(self.progress) or self.step
            self.output, self.errors = _tail(folder / OUTPUT), _tail(folder / ERRORS)
            shutil.rmtree(folder, ignore_errors=True)
            self.progress = None
        return self.process.returncode

    @property
    def folder(self) -> Path | None:
        """The run folder the command printed (`<status> <folder>`)."""
        for line in self.output.splitlines():
            status, _, path = line.partition(" ")
            if status in ("succeeded", "failed") and path.strip():
                return Path(path.strip())
        return None


def start_run(
    notebook: str,
    snapshot: str | Path,
    out: str | Path,
    as_of: str | None = None,
    acting: tuple[str, str] | None = None,
) -> BackgroundRun:
    """Check the inputs here (InputError at once), then run the report in a child process
    (given absolute paths, so it does not depend on the folder it starts in). `acting`:
    who started it and as which role, for the audit trail."""
    prepare_run(notebook, snapshot, as_of=as_of)
    command = [sys.executable, "-c", CLI, "report", notebook]
    command += ["--snapshot", absolute_path(snapshot), "--out", absolute_path(out)]
    command += ["--as-of", as_of] if as_of else []
    folder = Path(tempfile.mkdtemp(prefix="report-progress-"))
    progress = folder / "steps.tsv"
    command += ["--progress-file", str(progress)]
    env = dict(os.environ)
    if acting is not None:
        env["INSIGHT_USER"], env["INSIGHT_ACTING_ROLE"] = acting
    # Its output goes to files, not pipes: nobody reads a pipe until the run ends, and
    # a kernel writing more than a pipe holds would wait on it for ever.
    with (folder / OUTPUT).open("wb") as output, (folder / ERRORS).open("wb") as errors:
        process = subprocess.Popen(command, stdout=output, stderr=errors, text=True, env=env)
    return BackgroundRun(notebook, process, progress)


OUTPUT, ERRORS = "stdout.txt", "stderr.txt"
TAIL_BYTES = 64 * 1024  # the run folder's line and the last error: the end is enough


def _tail(path: Path) -> str:
    """The end of a file the child wrote (its last lines), as text."""
    try:
        with path.open("rb") as handle:
            handle.seek(max(0, handle.seek(0, os.SEEK_END) - TAIL_BYTES))
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""
