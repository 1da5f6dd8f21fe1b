"""Reading snapshot files within the limits of `limits.py`.

Only regular files are read (a device or a pipe could stream forever or block
forever; it is opened without waiting for a writer and refused). Whole-file
reads check the size first, streamed reads stop at the read timeout, and JSON
is parsed with its nesting depth bounded.
"""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from insight_workbench.errors import InputError
from insight_workbench.loading import limits, safe_files
from insight_workbench.loading.safe_files import read_blocks
from insight_workbench.terminal import printable

BLOCK = 1 << 20


def open_regular(path: Path, where: str) -> IO[bytes]:
    """`path` opened for binary reading: a regular file, never a link, a FIFO or a
    device (see `safe_files.open_regular`), read with blocking reads."""
    fd = safe_files.open_regular(path, where)
    try:
        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        fcntl.fcntl(fd, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_small_file(path: Path, where: str, name: str) -> bytes:
    """The whole file, refused when larger than limit `name` (checked before reading)."""
    most = limits.limit(name)
    with open_regular(path, where) as handle:
        size = os.fstat(handle.fileno()).st_size
        data = b"" if size > most else b"".join(_up_to(handle, most + 1, where))
    if size > most or len(data) > most:
        raise InputError(f"{where}: larger than {most} bytes (limit {limits.variable(name)})")
    return data


def _up_to(handle: IO[bytes], count: int, where: str) -> Iterator[bytes]:
    blocks = read_blocks(handle, where)
    while count > 0:
        block = next(blocks, b"")
        if not block:
            return
        yield block[:count]
        count -= len(block)


def read_json(path: Path, where: str) -> tuple[Any, bytes]:
    """The parsed JSON document of `path` and its bytes. Refused when too large, not
    valid JSON, or nested deeper than the depth limit."""
    raw = read_small_file(path, where, "json_bytes")
    depth = limits.max_json_depth()
    too_deep = f"{where}: nested deeper than {depth} levels (limit {limits.variable('json_depth')})"
    try:
        document = json.loads(raw, object_pairs_hook=_unique_keys)
    except RecursionError:  # deeper than Python's own parser goes
        raise InputError(too_deep) from None
    except _RepeatedKey as repeated:  # which of two values was meant cannot be known
        raise InputError(f"{where}: the name '{repeated}' appears twice in one object") from None
    except json.JSONDecodeError as error:  # its message names what was expected, no value
        at = f"line {error.lineno}, column {error.colno}"
        raise InputError(f"{where}: not valid JSON ({at}: {error.msg.lower()})") from None
    except UnicodeDecodeError:
        raise InputError(f"{where}: not valid JSON (not UTF-8 text)") from None
    except ValueError:  # an integer longer than Python converts (4,300 digits)
        raise InputError(f"{where}: holds a number too long to read") from None
    if json_depth(document) > depth:
        raise InputError(too_deep)
    if _has_lone_surrogate(document):
        raise InputError(f"{where}: holds a \\u escape of half a character (not text)")
    return document, raw


class _RepeatedKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, value in pairs:
        if name in found:
            raise _RepeatedKey(printable(name))
        found[name] = value
    return found


def _has_lone_surrogate(document: Any) -> bool:
    """Whether a name or text of `document` holds half of a UTF-16 pair (`"\\ud800"`):
    valid JSON, but no character, and nothing a file, terminal or database can take."""
    pending = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if any("\ud800" <= c <= "\udfff" for c in value):
                return True
        elif isinstance(value, dict):
            pending.extend(value)
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


def json_depth(document: Any) -> int:
    """How deeply arrays and objects nest in `document` (a scalar is depth 0); iterative,
    so no document can exhaust the stack."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(document, 0)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth + 1)
        pending.extend((child, depth + 1) for child in children)
    return deepest


def read_csv_header(path: Path, where: str | None = None) -> list[str] | None:
    """The fields of the first record of a CSV file, read from at most the header limit of
    bytes (the file need not end). None for an empty file. Refuses a header longer than
    the limit, or with more columns than the column limit. Messages name `where`
    (default: the file's name)."""
    return csv_header(path, where)[0]


def csv_header(path: Path, where: str | None = None) -> tuple[list[str] | None, bool]:
    """`read_csv_header`'s fields, and whether the header is all the file holds (not a
    byte after its record: the file has no data records, whoever reads it)."""
    where = where or path.name
    most = limits.max_header_bytes()
    with open_regular(path, where) as handle:
        data = b"".join(_up_to(handle, most + 1, where))
    whole = len(data) <= most
    text = data[:most].decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    buffer = io.StringIO(text, newline="")
    field_size = csv.field_size_limit(most)  # a name may be as long as the header allows
    try:
        header = next(csv.reader(buffer, strict=True), None)
    except csv.Error:
        if not whole:
            raise _header_too_long(where, most) from None
        raise InputError(f"{where}: the header row is not valid CSV") from None
    finally:
        csv.field_size_limit(field_size)
    if not whole and buffer.tell() >= len(text) and not text.endswith(("\n", "\r")):
        raise _header_too_long(where, most)
    if header is not None and len(header) > limits.max_columns():
        raise InputError(
            f"{where}: the header has {len(header)} columns, more than "
            f"{limits.max_columns()} (limit {limits.variable('columns')})"
        )
    return header, whole and buffer.tell() >= len(text)


def _header_too_long(where: str, most: int) -> InputError:
    return InputError(
        f"{where}: the header row is longer than {most} bytes "
        f"(limit {limits.variable('header_bytes')})"
    )
