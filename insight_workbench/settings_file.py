"""The command line's settings from the app's settings file, where the environment has none.

The app (Streamlit) reads `.streamlit/secrets.toml` in the home folder, the folder
it is started from and beside `app.py`, a later file winning, and its top-level values
become environment variables of the app. The command line reads the home folder's and
the one beside `app.py` (a checkout's) for the settings it takes (`SETTINGS`), so that
a ledger or cache folder named there is the one the commands use too; a variable set
in the environment wins over both files.
`INSIGHT_SETTINGS_FILE` names one file to read instead, or, empty, none.

Never the working folder's: a command run inside an unpacked export must not take
its ledger (a `postgresql://` server elsewhere) or cache from a file the export put
there. The file also holds the sign-in secrets: only the settings below are read from
it, and no value is ever shown.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import MutableMapping
from pathlib import Path

from insight_workbench.errors import InputError
from insight_workbench.small_files import TEXT_BYTES, read_small
from insight_workbench.terminal import printable

SETTINGS = (
    "INSIGHT_CACHE_DIR",
    "INSIGHT_LEDGER",
    "INSIGHT_USER",
    "INSIGHT_THREADS",
    "INSIGHT_MEMORY_LIMIT",
    "INSIGHT_TEMP_DIR",
)
SETTINGS_FILE = Path(".streamlit") / "secrets.toml"
CHOSEN_FILE = "INSIGHT_SETTINGS_FILE"
# A checkout's root: the app beside the package. An installed package has none.
APP_FOLDER = Path(__file__).resolve().parents[1]


def settings_files(environ: MutableMapping[str, str], home: Path | None) -> list[Path]:
    """The files to read, in order (a later one wins): `INSIGHT_SETTINGS_FILE` alone when
    it is set (none when empty), else the home folder's and the app's."""
    if CHOSEN_FILE in environ:
        chosen = environ[CHOSEN_FILE].strip()
        return [Path(chosen).expanduser()] if chosen else []
    files = [] if home is None else [home / SETTINGS_FILE]
    if (APP_FOLDER / "app.py").is_file():
        files.append(APP_FOLDER / SETTINGS_FILE)
    return list(dict.fromkeys(files))  # one file when the app lives in the home folder


def apply_settings_files(environ: MutableMapping[str, str], home: Path | None) -> None:
    """Set in `environ` each of `SETTINGS` it lacks that a settings file gives. A file
    that cannot be read, or a setting that is not text or a number, is an `InputError`
    naming the file (and the setting): a ledger silently not found would read as empty.
    A file named by `INSIGHT_SETTINGS_FILE` must be there."""
    missing = [name for name in SETTINGS if name not in environ]
    if not missing:
        return
    chosen = CHOSEN_FILE in environ
    found: dict[str, str] = {}
    for path in settings_files(environ, home):
        if not chosen and not os.path.lexists(path):
            continue
        values = _read(path)
        for name in missing:
            if name not in values:
                continue
            value = values[name]
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise InputError(f"{_where(path)}: '{name}' must be text")
            found[name] = str(value)
    environ.update(found)


def _where(path: Path) -> str:
    return f"{printable(str(path))} (the app's settings file)"


def _read(path: Path) -> dict[str, object]:
    where = _where(path)
    try:
        return tomllib.loads(read_small(path, where, TEXT_BYTES).decode("utf-8-sig"))
    except OSError as error:
        raise InputError(f"{where}: cannot be read ({error.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        raise InputError(f"{where}: not valid TOML") from None
    except RecursionError:
        raise InputError(f"{where}: nested too deeply") from None
