"""Start-up time of the command line: wall clock of whole `insight-workbench` calls.

Each command runs in a fresh process (as cron or a shell runs it), best of 5, from the
repository folder on the committed sample. Wall clock is what a caller waits; the CPU
time of the child (user + system) shows the work itself when the machine is busy. The
table goes into the "Start-up" section of benchmarks/results.md (created with a header
naming the machine if missing).

    .venv/bin/python benchmarks/startup_bench.py [--runs 5] [--results benchmarks/results.md]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from results_file import replace_section

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results.md"
SECTION = "## Start-up"
# The command, and its documented exit code on the sample (check reports findings,
# validate reports the sample's planted quarantined rows).
COMMANDS = [
    (["--help"], 0),
    (["validate", "data/sample"], 1),
    (["check", "data/sample"], 1),
]


def cli_command() -> list[str]:
    """The installed console script next to this Python, else the same entry point."""
    script = shutil.which("insight-workbench", path=str(Path(sys.executable).parent))
    if script:
        return [script]
    return [sys.executable, "-c", "from insight_workbench.cli import main; main()"]


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def best_of(command: list[str], expected: int, runs: int) -> tuple[float, float]:
    """The best wall clock and the best CPU time (seconds) over `runs` calls."""
    wall, cpu = float("inf"), float("inf")
    for _ in range(runs):
        cpu_before, start = children_cpu(), time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, check=False)
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, children_cpu() - cpu_before)
        if done.returncode != expected:
            message = done.stderr.decode(errors="replace").strip()
            raise SystemExit(f"{' '.join(command)}: exit {done.returncode}, {message}")
    return wall, cpu


def section(timings: list[tuple[str, float, float]], runs: int) -> str:
    load = os.getloadavg()[0]
    lines = [
        SECTION,
        "",
        f"`benchmarks/startup_bench.py`: one call in a fresh process, best of {runs}, from "
        f"the repository folder (load average {load:.1f} while it ran).",
        "",
        "| command | wall clock (s) | CPU (s) |",
        "|---|---:|---:|",
        *(f"| `{command}` | {wall:.2f} | {cpu:.2f} |" for command, wall, cpu in timings),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    base = cli_command()
    timings = []
    for arguments, expected in COMMANDS:
        wall, cpu = best_of([*base, *arguments], expected, args.runs)
        shown = " ".join(["insight-workbench", *arguments])
        print(f"{shown:<40} {wall:6.2f} s wall clock {cpu:6.2f} s CPU")
        timings.append((shown, wall, cpu))
    replace_section(args.results, SECTION, section(timings, args.runs))
    print(f"updated {args.results}")


if __name__ == "__main__":
    main()
