"""Each row of a pack table as the text of its files, written by DuckDB.

A heavy user has many thousand rows; formatting every value in Python (times in
ISO 8601, JSON escapes, spreadsheet-safe CSV cells) took longer than finding the
rows. So the query that finds them also writes, for each row, its object in the
JSON file and its line in the CSV file, and the files are byte for byte what
`json.dumps(records, indent=2, ensure_ascii=False)` and `csvsafe.csv_bytes` write
from the same rows (tests compare them). The CSV line of a row holding text that
does not start with an ASCII letter or digit, or that needs quotes, is left to
`csvsafe` (whether text may run as a formula is a Unicode question SQL cannot
answer): `finish_csv_lines` writes it from the row's JSON object, which holds
the same values. No Python function is registered in DuckDB: that would load
numpy, a noticeable part of the command line's start.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from insight_workbench.csvsafe import csv_cell
from insight_workbench.loading.raw_tables import quote_ident, quote_literal

# The DuckDB types of loaded columns (`loading.schema.SQL_TYPES`), as result
# descriptions name them.
TEXT, INSTANT, DAY, FLAG = "VARCHAR", "TIMESTAMP WITH TIME ZONE", "DATE", "BOOLEAN"
WRITTEN_TYPES = (TEXT, INSTANT, DAY, FLAG)

# Text written as it is between JSON quotes: no quote, backslash or control character.
_PLAIN_JSON = r"""NOT regexp_matches({x}, '[\x00-\x1f"\\]')"""
# A CSV cell written as it is: an ASCII letter or digit first (never a formula, see
# `csvsafe.is_formula_like`), no comma, quote or line break (never quoted).
_PLAIN_CSV = r"""({x} IS NULL OR {x} = '' OR regexp_full_match({x}, '[A-Za-z0-9][^",\r\n]*'))"""
# JSON's escapes, as `json.dumps` writes them; the backslash first, as the others add some.
_JSON_ESCAPES = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\f": "\\f", "\n": "\\n"}
_JSON_ESCAPES |= {"\r": "\\r", "\t": "\\t"}
_JSON_ESCAPES |= {chr(c): f"\\u{c:04x}" for c in range(0x20) if chr(c) not in _JSON_ESCAPES}


def _json_text(x: str) -> str:
    """SQL: the JSON string of the text `x`, quotes included."""
    escaped = x
    for char, escape in _JSON_ESCAPES.items():
        escaped = f"replace({escaped}, chr({ord(char)}), {quote_literal(escape)})"
    return f"""'"' || CASE WHEN {_PLAIN_JSON.format(x=x)} THEN {x} ELSE {escaped} END || '"'"""


def _instant(x: str) -> str:
    """SQL: `csvsafe.iso_utc` of a TIMESTAMPTZ (a fraction only when there is one)."""
    utc = f"make_timestamp(epoch_us({x}))"  # the UTC wall-clock time, whatever the session zone
    year = f"strftime({utc}, '%Y')"  # four digits, as ISO 8601 asks
    fraction = f"CASE WHEN epoch_us({x}) % 1000000 = 0 THEN 'Z' ELSE strftime({utc}, '.%fZ') END"
    return f"{year} || strftime({utc}, '-%m-%dT%H:%M:%S') || {fraction}"


def _value(x: str, kind: str, for_json: bool) -> str:
    """SQL: the value of column `x` in a JSON object or as a CSV cell."""
    if kind == TEXT:
        written = _json_text(x) if for_json else x
    elif kind == INSTANT:
        written = f"""'"' || {_instant(x)} || '"'""" if for_json else _instant(x)
    elif kind == DAY:  # `date.isoformat` pads the year as DuckDB does
        written = f"strftime({x}, '%Y-%m-%d')"
        written = f"""'"' || {written} || '"'""" if for_json else written
    else:
        written = f"CASE WHEN {x} THEN 'true' ELSE 'false' END"
    missing = "'null'" if for_json else "''"
    return f"CASE WHEN {x} IS NULL THEN {missing} ELSE {written} END"


def row_sql(columns: Sequence[str], types: Sequence[str]) -> tuple[str, str]:
    """SQL of a row's JSON object (indented as in the file's array) and of its CSV line
    (without its line end; NULL when `finish_csv_lines` is to write it), over these
    columns of these DuckDB types, in this order."""
    for name, kind in zip(columns, types, strict=True):
        if kind not in WRITTEN_TYPES:  # the loader types every column as one of them
            raise AssertionError(f"column {name}: type {kind} cannot be written to a pack")
    typed = [(quote_ident(name), kind) for name, kind in zip(columns, types, strict=True)]
    members = [
        f"{quote_literal(f'    {json.dumps(name, ensure_ascii=False)}: ')}, {_value(x, kind, True)}"
        for name, (x, kind) in zip(columns, typed, strict=True)
    ]
    json_object = "concat('  {' || chr(10), " + ", ',' || chr(10), ".join(members)
    json_object += ", chr(10) || '  }')"
    cells = ", ',', ".join(_value(x, kind, False) for x, kind in typed)
    plain = " AND ".join(_PLAIN_CSV.format(x=x) for x, kind in typed if kind == TEXT) or "true"
    return json_object, f"CASE WHEN {plain} THEN concat({cells}) END"


def finish_csv_lines(
    json_objects: Sequence[str], csv_lines: Sequence[str | None]
) -> tuple[str, ...]:
    """The CSV lines, those DuckDB left (NULL) written by `csvsafe` from the row's JSON
    object: its values are the row's, as `csv_bytes` is given them."""
    written = tuple(line for line in csv_lines if line is not None)
    if len(written) == len(csv_lines):  # the usual case: DuckDB wrote them all
        return written
    return tuple(
        line if line is not None else _csv_line(json.loads(text).values())
        for text, line in zip(json_objects, csv_lines, strict=True)
    )


def _csv_line(values: Iterable[Any]) -> str:
    buffer = io.StringIO()  # the line end takes part in deciding what is quoted
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([csv_cell(value) for value in values])
    return buffer.getvalue().removesuffix("\r\n")
