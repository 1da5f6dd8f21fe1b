"""The test servers' watchdog: a process killed outright still has its cleanup run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent
HOLDER = """
import sys, time
from server_guard import guarded
with guarded(["touch", sys.argv[1]]):
    print("ready", flush=True)
    if sys.argv[2] == "wait":
        time.sleep(60)
"""


def _holder(marker: Path, then: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(marker), then],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(TESTS)},
    )


def _appears(marker: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if marker.exists():
            return True
        time.sleep(0.1)
    return False


def test_a_process_killed_outright_has_its_cleanup_run(tmp_path: Path) -> None:
    marker = tmp_path / "cleaned"
    holder = _holder(marker, "wait")
    assert holder.stdout is not None
    assert holder.stdout.readline() == "ready\n"
    assert not marker.exists()
    holder.send_signal(signal.SIGKILL)  # no teardown runs in the process itself
    holder.wait()
    assert _appears(marker, 10)


def test_leaving_the_block_ends_the_watchdog_unused(tmp_path: Path) -> None:
    marker = tmp_path / "cleaned"
    holder = _holder(marker, "leave")
    assert holder.stdout is not None
    assert holder.stdout.readline() == "ready\n"
    assert holder.wait(timeout=30) == 0
    assert not _appears(marker, 2)
