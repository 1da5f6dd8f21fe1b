"""Screenshots of the main pages for the README, from the real app in Chromium.

    .venv/bin/python benchmarks/screenshots.py [--out docs/screenshots]

Starts `streamlit run app.py` on the sample as the DPO, opens every page and
saves `<page>.png` (the Usage page is shown as an analyst sees it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import ARGS, find_chromium, missing_reason  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from streamlit_server import open_page, serve  # noqa: E402

from insight_workbench.dashboard.navigation import pages_for  # noqa: E402
from insight_workbench.dashboard.roles import ANALYST, DPO  # noqa: E402

KEY = "screenshot-pseudonym-key-0123456789"


def shoot(role: str, out: Path, only: set[str] | None, chromium: str) -> None:
    env = {
        "INSIGHT_ROLE": role,
        "INSIGHT_SNAPSHOT": str(ROOT / "data" / "sample"),
        "INSIGHT_PSEUDONYM_KEY": KEY,
    }
    with serve(env) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        tab = browser.new_page(viewport={"width": 1400, "height": 900})
        for i, spec in enumerate(pages_for(role)):
            name = Path(spec.path).stem
            if only is not None and name not in only:
                continue
            open_page(tab, f"{base}/" if i == 0 else f"{base}/{name}", spec.title)
            tab.screenshot(path=str(out / f"{name}.png"), full_page=False)
            print(f"{role}: {out / f'{name}.png'}")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    chromium = find_chromium()
    if chromium is None:
        raise SystemExit(missing_reason())
    args.out.mkdir(parents=True, exist_ok=True)
    shoot(DPO, args.out, {Path(p.path).stem for p in pages_for(DPO)} - {"usage"}, chromium)
    shoot(ANALYST, args.out, {"usage"}, chromium)


if __name__ == "__main__":
    main()
