"""Which snapshot the app shows: the default one, and a picker confined to one folder."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path

from insight_workbench.errors import InputError
from insight_workbench.loading.manifest import MANIFEST
from insight_workbench.terminal import printable
from insight_workbench.timeutil import to_utc

SAMPLE = Path("data") / "sample"


def default_snapshot(environ: Mapping[str, str], base: Path) -> Path:
    """`INSIGHT_SNAPSHOT` when set (by whoever starts the app), else the committed sample."""
    configured = environ.get("INSIGHT_SNAPSHOT", "").strip()
    return Path(configured) if configured else base / SAMPLE


def snapshots_root(environ: Mapping[str, str]) -> Path | None:
    configured = environ.get("INSIGHT_SNAPSHOTS_ROOT", "").strip()
    return Path(configured).resolve() if configured else None


def list_snapshots(root: Path | None) -> list[str]:
    """Names of the snapshot folders directly under `root` (those holding a manifest)."""
    if root is None or not root.is_dir():
        return []
    return [child.name for child in sorted(root.iterdir()) if _inside(root, child)]


def resolve_choice(root: Path | None, name: str) -> Path:
    """The snapshot folder `name` under `root`; anything that leads outside it is refused."""
    if root is None:
        raise InputError("no snapshots folder is configured (INSIGHT_SNAPSHOTS_ROOT)")
    plain = 0 < len(name) <= 255 and "\x00" not in name and Path(name).name == name
    if not plain or name.strip() in ("", ".", "..") or not _inside(root, root / name):
        shown = printable(name if len(name) <= 80 else name[:80] + "…")  # bidi too
        raise InputError(f"snapshot '{shown}': not a snapshot folder under the snapshots folder")
    return (root / name).resolve()


def _inside(root: Path, candidate: Path) -> bool:
    """A folder with a manifest whose real path (symlinks and .. resolved) lies under root."""
    real_root = root.resolve()
    try:
        real = candidate.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return False
    return (
        real != real_root
        and real.is_relative_to(real_root)
        and real.is_dir()
        and (real / MANIFEST).is_file()
    )


def as_of_for(chosen: date, exported_at: datetime) -> datetime:
    """The export day means the export instant; any other day means 00:00 UTC of it (as the
    command line reads a date)."""
    if chosen == to_utc(exported_at).date():
        return exported_at
    return datetime(chosen.year, chosen.month, chosen.day, tzinfo=UTC)
