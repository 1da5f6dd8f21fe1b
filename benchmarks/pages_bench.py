"""How long each page of the app takes to render, warm, on the sample (AppTest).

    .venv/bin/python benchmarks/pages_bench.py [--snapshot DIR] [--runs N]

The process loads the snapshot once (as the server does); then each page is
opened once (cold: its results are computed and cached) and re-run N times; the
median and worst warm run are printed per role and page. Target: under 1 s warm.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from streamlit import logger as streamlit_logger
from streamlit.testing.v1 import AppTest

from insight_workbench.dashboard.navigation import pages_for
from insight_workbench.dashboard.roles import ANALYST, DPO

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 1.0


def timed(run: AppTest, timeout: float = 120) -> float:
    start = time.perf_counter()
    run.run(timeout=timeout)
    elapsed = time.perf_counter() - start
    if run.exception:
        raise SystemExit(f"the page raised: {run.exception[0].value}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot", default=str(ROOT / "data" / "sample"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ["INSIGHT_SNAPSHOT"] = args.snapshot
    os.environ.setdefault("INSIGHT_PSEUDONYM_KEY", "benchmark-pseudonym-key-0123456789")
    streamlit_logger.set_log_level("error")  # AppTest warns of a missing context
    start = time.perf_counter()
    os.environ["INSIGHT_ROLE"] = DPO
    AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run(timeout=120)
    print(f"first run of the process (loads the snapshot): {time.perf_counter() - start:.3f} s")
    print(f"{'role':8} {'page':36} {'cold s':>8} {'warm median s':>14} {'warm max s':>11}")
    worst = 0.0
    for role in (DPO, ANALYST):
        os.environ["INSIGHT_ROLE"] = role
        for spec in pages_for(role):
            app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
            app.run()
            app.switch_page(spec.path)
            cold = timed(app)
            warm = [timed(app) for _ in range(args.runs)]
            worst = max(worst, max(warm))
            print(
                f"{role:8} {spec.title:36} {cold:8.3f} {statistics.median(warm):14.3f} "
                f"{max(warm):11.3f}"
            )
    verdict = "within" if worst < TARGET_SECONDS else "OVER"
    print(f"slowest warm run {worst:.3f} s: {verdict} the {TARGET_SECONDS:.0f} s target")


if __name__ == "__main__":
    main()
