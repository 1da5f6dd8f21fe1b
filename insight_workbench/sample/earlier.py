"""What an earlier snapshot written by the sample generator holds: the generator replaces
such a folder whole, so it must hold nothing the generator did not write."""

from __future__ import annotations

import json
from pathlib import Path


def foreign_file(folder: Path, also: set[str]) -> str | None:
    """The first file or folder under an earlier snapshot `folder` that it did not write
    itself: anything but its manifest, the files the manifest lists, their sidecars and
    the names in `also` (replacing the snapshot would delete it silently)."""
    ours = {"manifest.json", *also, *_listed_files(folder)}
    ours |= {
        f"{name.rsplit('.', 1)[0]}.meta.json" for name in ours if name.startswith("deidentified/")
    }
    for entry in sorted(folder.rglob("*")):
        relative = entry.relative_to(folder).as_posix()
        if relative == "deidentified" and entry.is_dir() and not entry.is_symlink():
            continue
        if relative not in ours or not entry.is_file() or entry.is_symlink():
            return relative
    return None


def _listed_files(folder: Path) -> list[str]:
    try:
        tables = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["tables"]
        return [str(entry["file"]) for entry in tables.values()]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []  # no readable manifest: only the names in `also` are the sample's
