"""How much of a snapshot file the loader will read: generous bounds, one place.

A snapshot comes from outside; without bounds a small folder (a header of a
hundred thousand columns, a manifest nested a hundred thousand deep, a file
that never ends) could exhaust memory or time. Each bound is read from its
environment variable when used, so a deployment can raise it
(docs/snapshot-loading.md lists them); going over one is an `InputError`
naming the file and the limit.
"""

from __future__ import annotations

import os

from insight_workbench.errors import InputError

# name: (environment variable, default)
DEFAULTS: dict[str, tuple[str, int]] = {
    "columns": ("INSIGHT_MAX_COLUMNS", 2_000),
    "datasets": ("INSIGHT_MAX_DATASETS", 500),
    "field_bytes": ("INSIGHT_MAX_FIELD_BYTES", 16 * 1024 * 1024),
    "header_bytes": ("INSIGHT_MAX_HEADER_BYTES", 1024 * 1024),
    "json_bytes": ("INSIGHT_MAX_JSON_BYTES", 16 * 1024 * 1024),
    "json_depth": ("INSIGHT_MAX_JSON_DEPTH", 64),
    "read_timeout_seconds": ("INSIGHT_READ_TIMEOUT_SECONDS", 600),
}


# The largest value each may be raised to: what the readers can honour (a DuckDB line
# size and a Python field size are 32-bit; the JSON reader recurses in Python), so a
# higher setting is refused rather than promised and broken.
MAXIMA: dict[str, int] = {"json_depth": 500, "read_timeout_seconds": 7 * 24 * 3600}
MAXIMUM = 2**31 - 1


def limit(name: str) -> int:
    """The current value of limit `name`: its environment variable, else the default."""
    variable, default = DEFAULTS[name]
    text = os.environ.get(variable, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise InputError(f"{variable}: must be a whole number") from None
    if value < 1:
        raise InputError(f"{variable}: must be at least 1")
    highest = MAXIMA.get(name, MAXIMUM)
    if value > highest:
        raise InputError(f"{variable}: must be at most {highest}")
    return value


def max_columns() -> int:
    return limit("columns")


def max_datasets() -> int:
    return limit("datasets")


def max_field_bytes() -> int:
    return limit("field_bytes")


def max_header_bytes() -> int:
    return limit("header_bytes")


def max_json_bytes() -> int:
    return limit("json_bytes")


def max_json_depth() -> int:
    return limit("json_depth")


def read_timeout_seconds() -> int:
    return limit("read_timeout_seconds")


def variable(name: str) -> str:
    """The environment variable that raises limit `name` (quoted in refusals)."""
    return DEFAULTS[name][0]
