"""The command line's settings from the app's settings file, where the environment has none.

The app (Streamlit) reads `.streamlit/secrets.toml` in the home folder, then in the
folder it is started from, the later file winning, and its top-level values become
environment variables of the app. The command line reads the same two files for the
settings it takes (`SETTINGS`), so that a ledger or cache folder named there is the
one the commands use too; a variable set in the environment wins over both files. The
file also holds the sign-in secrets: only the settings below are read from it, and no
value is ever shown.
"""

from __future__ import annotations

import tomllib
from collections.abc import MutableMapping
from pathlib import Path

from insight_workbench.errors import InputError
from insight_workbench.small_files import TEXT_BYTES, read_small

SETTINGS = (
    "INSIGHT_CACHE_DIR",
    "INSIGHT_LEDGER",
    "INSIGHT_USER",
    "INSIGHT_THREADS",
    "INSIGHT_MEMORY_LIMIT",
    "INSIGHT_TEMP_DIR",
)
SETTINGS_FILE = Path(".streamlit") / "secrets.toml"


def settings_files(home: Path | None, cwd: Path | None) -> list[Path]:
    """Where the app looks, in the order it reads them (a later file wins); a folder that
    is not known (None) is left out."""
    files = [folder / SETTINGS_FILE for folder in (home, cwd) if folder is not None]
    return list(dict.fromkeys(files))  # one file when started from the home folder


def apply_settings_files(
    environ: MutableMapping[str, str], home: Path | None, cwd: Path | None
) -> None:
    """Set in `environ` each of `SETTINGS` it lacks that a settings file gives. A file
    that cannot be read, or a setting that is not text or a number, is an `InputError`
    naming the file (and the setting): a ledger silently not found would read as empty."""
    missing = [name for name in SETTINGS if name not in environ]
    if not missing:
        return
    found: dict[str, str] = {}
    for path in settings_files(home, cwd):
        if not path.exists():
            continue
        values = _read(path)
        for name in missing:
            if name not in values:
                continue
            value = values[name]
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise InputError(f"{path}: '{name}' must be text (the app's settings file)")
            found[name] = str(value)
    environ.update(found)


def _read(path: Path) -> dict[str, object]:
    where = f"{path}: the app's settings file"
    try:
        return tomllib.loads(read_small(path, where, TEXT_BYTES).decode("utf-8-sig"))
    except OSError as error:
        raise InputError(f"{where} cannot be read ({error.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        raise InputError(f"{where} is not valid TOML") from None
    except RecursionError:
        raise InputError(f"{where} is nested too deeply") from None
