"""DuckDB's types of Parquet columns, and the SQL that writes a column's values as text.

A column read from a Parquet file keeps its own type (a timestamp, a decimal, a struct);
the untyped relation holds it as the text a CSV file would give (`parquet_text`), an
instant in UTC with `Z` and a nested value as JSON.
"""

from __future__ import annotations

import re


def parquet_text(column: str, kind: str) -> str:
    """SQL rendering the Parquet column `column` (an SQL expression) of type `kind` as
    text; a timestamp in ISO 8601 (`T` between date and time), as an extra column
    reaches a subject-access pack. An instant (timestamp with time zone) is written in
    UTC with a `Z`, whatever the session's time zone, so it keeps its instant;
    nanoseconds are cut to the microsecond first, as in text (a cast would round them,
    perhaps into the next day)."""
    if kind.startswith(("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ")) and "[" not in kind:
        instant = f"CAST(date_trunc('microseconds', {column}) AS TIMESTAMPTZ)"
        return f"replace(CAST(timezone('UTC', {instant}) AS VARCHAR), ' ', 'T') || 'Z'"
    if kind.startswith("TIMESTAMP") and "[" not in kind and "(" not in kind:
        return f"replace(CAST({column} AS VARCHAR), ' ', 'T')"  # ISO 8601, as text has it
    if is_nested(kind):  # JSON: each value inside stays one value (DEID-001 looks at each)
        if "DECIMAL(" in unquoted(kind):  # as text, as at the top level (JSON: `1001.0`)
            as_text = _DECIMAL.sub(lambda m: m[0] if m[0].startswith('"') else "VARCHAR", kind)
            column = f"CAST({column} AS {as_text})"
        return f"CAST(to_json({column}) AS VARCHAR)"
    return f"CAST({column} AS VARCHAR)"


# A decimal type, or a quoted field name (left as it is: `"DECIMAL(1,2)" INTEGER`).
_QUOTED = r'"(?:[^"]|"")*"'
_DECIMAL = re.compile(_QUOTED + r"|DECIMAL\(\d+,\s*\d+\)")


def unquoted(kind: str) -> str:
    """A DuckDB type without its quoted field names."""
    return re.sub(_QUOTED, '""', kind)


def is_nested(kind: str) -> bool:
    """Whether DuckDB type `kind` holds values inside values: a struct, map, union, list
    or fixed-size array."""
    return kind.endswith("]") or kind.startswith(("STRUCT(", "MAP(", "UNION("))
