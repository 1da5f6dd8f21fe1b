"""Generate a large realistic snapshot with the sample generator, and time it.

    .venv/bin/python benchmarks/make_large_snapshot.py --out DIR [--users N] [--orgs N]
        [--days N] [--seed N] [--format csv|parquet] [--verify]

Defaults: 100,000 users in 1,000 organisations over 365 days (about ten million
login and usage rows). Prints the rows of each table, the time taken, rows per
second and the peak memory of the process. `--verify` then loads the snapshot and
checks that `check` reports exactly the findings listed in planted.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

from insight_workbench.loading.snapshot import load_snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules.runner import run_check
from insight_workbench.sample import generate_sample


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--orgs", type=int, default=None, help="default: users / 100")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--verify", action="store_true")
    args = parser.parse_args()
    orgs = args.orgs or max(16, args.users // 100)

    started = time.perf_counter()
    folder = generate_sample(args.out, args.seed, orgs, args.users, args.days, args.format)
    elapsed = time.perf_counter() - started
    tables = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["tables"]
    total = sum(entry["rows"] for entry in tables.values())
    for name, entry in tables.items():
        print(f"{name:<42} {entry['rows']:>12,}")
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'total rows':<42} {total:>12,}")
    print(
        f"generated in {elapsed:.1f} s ({total / elapsed:,.0f} rows/s), {size / 1e6:,.0f} MB "
        f"on disk, peak memory {peak_mb:,.0f} MB"
    )
    if not args.verify:
        return 0
    started = time.perf_counter()
    snapshot = load_snapshot(folder)
    found = {(f.rule, f.key) for f in run_check(snapshot, load_policy()).findings}
    planted = json.loads((folder / "planted.json").read_text(encoding="utf-8"))["findings"]
    expected = {(p["rule"], p["key"]) for p in planted}
    print(f"loaded and checked in {time.perf_counter() - started:.1f} s")
    print(
        f"planted {len(expected)}, found {len(found)}; missing {sorted(expected - found)}, "
        f"unexpected {sorted(found - expected)}"
    )
    return 0 if found == expected else 1


if __name__ == "__main__":
    sys.exit(main())
