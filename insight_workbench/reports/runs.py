"""Past runs under a reports folder: listing them, and pruning old ones.

Reports hold personal data, so they are not kept forever: `prune_runs` deletes
whole run folders whose run started more than N days ago (by run.json's
`start`). A folder without a readable run.json is not a run and is left alone.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from insight_workbench.errors import InputError
from insight_workbench.reports.runner import RUN_FILE
from insight_workbench.timeutil import parse_timestamp


@dataclass(frozen=True)
class PastRun:
    folder: Path
    record: dict[str, Any]
    start: datetime

    @property
    def notebook(self) -> str:
        return str(self.record.get("notebook", self.folder.parent.name))

    @property
    def status(self) -> str:
        return str(self.record.get("status", "unknown"))

    @property
    def html(self) -> Path | None:
        name = (self.record.get("files") or {}).get("html")
        path = self.folder / name if name else None
        return path if path is not None and path.is_file() else None


def list_runs(out: str | Path) -> list[PastRun]:
    """Every run under `out` (`<out>/<notebook>/<run>/run.json`), newest first."""
    root = Path(out)
    runs = [run for f in sorted(root.glob(f"*/*/{RUN_FILE}")) if (run := _read(f)) is not None]
    return sorted(runs, key=lambda r: (r.start, str(r.folder)), reverse=True)


def prune_runs(out: str | Path, older_than_days: int, now: datetime | None = None) -> list[Path]:
    """Delete the runs that started more than `older_than_days` days before `now`;
    returns the folders removed."""
    if older_than_days < 0:
        raise InputError("--older-than: must be a number of days >= 0")
    root = Path(out)
    if not root.is_dir():
        raise InputError(f"{root}: no such reports folder")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=older_than_days)
    removed = []
    for run in list_runs(root):
        if run.start < cutoff:
            shutil.rmtree(run.folder)
            removed.append(run.folder)
    for parent in {folder.parent for folder in removed}:  # a notebook folder left empty
        if not any(parent.iterdir()):
            parent.rmdir()
    return sorted(removed)


def _read(path: Path) -> PastRun | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        start = parse_timestamp(record["start"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return PastRun(path.parent, record, start)
