"""How long `check` takes on a snapshot: load, then every rule, then the whole command.

    .venv/bin/python benchmarks/check_bench.py [SNAPSHOT] [--repeat N]

SNAPSHOT defaults to the committed sample (`data/sample`). Prints the load time,
the time of each rule (slowest first) and of the whole rule run on a fresh cursor,
the best of N runs, and the wall time of `insight-workbench check` as a process
(imports included), which is what a scheduled job waits for. The target on the
committed sample is under 2 s for the command.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from insight_workbench.loading.snapshot import load_snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules import RULES, RuleContext
from insight_workbench.rules.runner import run_check

ROOT = Path(__file__).resolve().parent.parent


def best(times: list[float]) -> str:
    return f"{min(times):.3f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("snapshot", nargs="?", type=Path, default=ROOT / "data" / "sample")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    policy = load_policy()

    loads, checks, per_rule = [], [], {r.code: [] for r in RULES}
    for _ in range(args.repeat):
        start = time.perf_counter()
        snapshot = load_snapshot(args.snapshot)
        loads.append(time.perf_counter() - start)
        start = time.perf_counter()
        result = run_check(snapshot, policy)
        checks.append(time.perf_counter() - start)
        cursor = snapshot.cursor()
        context = RuleContext(snapshot, cursor, policy, snapshot.manifest.exported_at)
        for rule in RULES:
            start = time.perf_counter()
            rule.check(context)
            per_rule[rule.code].append(time.perf_counter() - start)
        snapshot.con.close()

    rows = sum(snapshot.rows_loaded.values())
    print(f"snapshot {args.snapshot} ({rows} rows, {len(result.findings)} findings)")
    print(f"load               {best(loads)}")
    print(f"check (all rules)  {best(checks)}   (first run on a cursor: clock and macros)")
    for code, times in sorted(per_rule.items(), key=lambda kv: -min(kv[1])):
        print(f"  {code:<9} {best(times)}   (on a prepared cursor)")

    command = [str(Path(sys.executable).with_name("insight-workbench")), "check"]
    walls = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        subprocess.run(
            [*command, str(args.snapshot), "--format", "json"], capture_output=True, check=False
        )
        walls.append(time.perf_counter() - start)
    print(f"insight-workbench check, whole process: {best(walls)}")


if __name__ == "__main__":
    main()
