"""Screenshots of the app's pages for the README, from the real app in Chromium.

    .venv/bin/python benchmarks/screenshots.py [--out docs/screenshots]

In a fresh ledger, cache and reports folder of its own, it first records a check of the
sample, a decision about one overdue organisation and one report run, so the pages have
a history to show. Then it starts `streamlit run app.py` on the sample as the DPO and
saves `<page>.png` for every page, `retention_record.png` (that organisation's record
panel with its history and decision) and `retention_selected.png` (organisations
selected on the timeline); then as an analyst, `usage.png` and `overview_analyst.png`.
Each picture is reduced to 256 colours to stay small.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import ARGS, find_chromium, missing_reason  # noqa: E402
from PIL import Image  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402
from streamlit_server import open_page, serve, wait_idle  # noqa: E402

from insight_workbench.dashboard.navigation import pages_for  # noqa: E402
from insight_workbench.dashboard.roles import ANALYST, DPO  # noqa: E402
from insight_workbench.dashboard.selection import PARAM  # noqa: E402
from insight_workbench.loading.snapshot import load_snapshot  # noqa: E402
from insight_workbench.policy import load_policy  # noqa: E402
from insight_workbench.rules.runner import run_check  # noqa: E402

KEY = "screenshot-pseudonym-key-0123456789"
SAMPLE = ROOT / "data" / "sample"
CLI = "from insight_workbench.cli import main; main()"
WIDTH, HEIGHT, TALL = 1400, 900, 1300


def overdue_orgs() -> list[str]:
    """The organisations of the sample's RET-001 findings, by key (`org:O0008`)."""
    findings = run_check(load_snapshot(SAMPLE), load_policy()).findings
    return [f.key for f in findings if f.rule == "RET-001"]


def record_history(env: dict[str, str], org: str, reports: Path) -> None:
    """A recorded check, a decision about `org` and one report run, as the DPO."""
    steps = [
        (["check", str(SAMPLE), "--record", "--quiet"], (0, 1)),
        (["decide", org, "--rule", "RET-001", "--assign", "Records team",
          "--note", "Delete after the contract review"], (0,)),
        (["report", "access_review", "--snapshot", str(SAMPLE), "--out", str(reports),
          "--quiet"], (0,)),
    ]  # fmt: skip
    for argv, codes in steps:
        done = subprocess.run(
            [sys.executable, "-c", CLI, *argv],
            env=env,
            cwd=ROOT,
            check=False,
            stdout=subprocess.DEVNULL,  # the findings of the sample: not wanted here
        )
        if done.returncode not in codes:
            raise SystemExit(f"screenshots: `{argv[0]}` failed (exit {done.returncode})")


def save(tab: Page, path: Path, title: str) -> None:
    # A page may run again once it has settled (the address written back): wait it out.
    tab.wait_for_timeout(1500)
    wait_idle(tab, title)
    tab.screenshot(path=str(path), full_page=False)
    Image.open(path).convert("RGB").quantize(colors=256).save(path, optimize=True)
    print(path)


def shoot_dpo(tab: Page, base: str, out: Path, orgs: list[str]) -> None:
    for i, spec in enumerate(pages_for(DPO)):
        name = Path(spec.path).stem
        if name == "usage":
            continue  # shown as an analyst sees it
        open_page(tab, f"{base}/" if i == 0 else f"{base}/{name}", spec.title)
        save(tab, out / f"{name}.png", spec.title)
    tab.set_viewport_size({"width": WIDTH, "height": TALL})
    open_page(tab, f"{base}/retention?key={orgs[0]}", "Retention")
    save(tab, out / "retention_record.png", "Retention")
    tab.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    picks = "&".join(f"{PARAM}={org}" for org in orgs[:3])
    open_page(tab, f"{base}/retention?{picks}", "Retention")
    tab.get_by_text("selected on the chart").first.scroll_into_view_if_needed()
    save(tab, out / "retention_selected.png", "Retention")


def shoot_analyst(tab: Page, base: str, out: Path) -> None:
    open_page(tab, f"{base}/usage", "Usage")
    save(tab, out / "usage.png", "Usage")
    open_page(tab, f"{base}/", "Overview")
    save(tab, out / "overview_analyst.png", "Overview")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    chromium = find_chromium()
    if chromium is None:
        raise SystemExit(missing_reason())
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="screenshots-") as scratch:
        work = Path(scratch)
        env = {
            "INSIGHT_SNAPSHOT": str(SAMPLE),
            "INSIGHT_PSEUDONYM_KEY": KEY,
            "INSIGHT_CACHE_DIR": str(work / "cache"),
            "INSIGHT_LEDGER": str(work / "ledger.sqlite"),
            "INSIGHT_REPORTS_DIR": str(work / "reports"),
            "INSIGHT_USER": "dpo@example.org",
        }
        os.environ.update(env)  # this process's own look at the sample uses them too
        orgs = overdue_orgs()
        record_history(dict(os.environ), orgs[0], work / "reports")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
            tab = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            with serve({**env, "INSIGHT_ROLE": DPO}) as base:
                shoot_dpo(tab, base, args.out, orgs)
            with serve({**env, "INSIGHT_ROLE": ANALYST}) as base:
                shoot_analyst(tab, base, args.out)
            browser.close()


if __name__ == "__main__":
    main()
