"""benchmarks/results.md: each benchmark script owns one `## ` section of it."""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path


def header() -> str:
    """The file's opening lines, for a results file that does not exist yet."""
    return (
        "# Benchmark results\n\n"
        f"Machine: {os.cpu_count()} CPUs, Python {platform.python_version()} "
        f"({platform.system()}).\n"
    )


def replace_section(path: Path, heading: str, text: str) -> None:
    """Replace the section `heading` (up to the next `## ` heading) with `text`, or append
    it; the other sections stay as they are."""
    current = path.read_text(encoding="utf-8") if path.is_file() else header()
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text + "\n", current, count=1).rstrip("\n") + "\n"
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    path.write_text(updated, encoding="utf-8")
