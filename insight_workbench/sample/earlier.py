"""What an earlier snapshot written by the sample generator holds: the generator replaces
such a folder whole, so it must hold nothing the generator did not write."""

from __future__ import annotations

import json
from pathlib import Path

from insight_workbench.atomic import remove_writers_leftovers
from insight_workbench.errors import InputError


def check_earlier(out: Path, marker: str, missing: str, writer: str) -> None:
    """`out` must be new, empty, or an earlier snapshot of `writer`'s (it holds `marker`
    and only the files it wrote), which is replaced whole; anything else in it is
    refused, never deleted. `missing` says what a folder without `marker` lacks."""
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out.name}: exists and is not a folder")
    if not out.is_dir():
        return
    remove_writers_leftovers(out)  # a killed run's: no reason to refuse the folder
    if not any(out.iterdir()):
        return
    if not (out / marker).is_file():
        raise InputError(f"--out {out.name}: folder is not empty and holds {missing}")
    foreign = foreign_file(out, {marker})
    if foreign is not None:
        raise InputError(
            f"--out {out.name}: holds '{foreign}', which {writer} does not write; "
            "use an empty folder"
        )


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
