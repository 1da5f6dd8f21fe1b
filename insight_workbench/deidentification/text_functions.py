"""Python functions the DEID SQL calls, registered once per database (a function
registered through one cursor is seen by every cursor of it).

- `iw_is_ip_address(VARCHAR) -> BOOLEAN`: exactly an IPv4 or IPv6 address, as Python's
  `ipaddress` reads one, or four dotted numbers of 0 to 255 written with leading zeros
  (`192.000.002.001`: logs often pad them, and every reader still sees the address),
  alone or as the IPv4 tail of an IPv6 address (`::ffff:192.000.002.001`);
- `iw_unicode_lower(VARCHAR) -> VARCHAR`: Python's `str.lower`, which follows Unicode's
  special casing as JavaScript and Java do (a final `Σ` becomes `ς`, `İ` becomes `i`
  with a combining dot), where DuckDB's `lower` maps letter by letter. DEID-002 hashes a
  held address lower-cased both ways, as a careless export in either would have.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import duckdb

from insight_workbench.ip_addresses import is_ip_address

IP_FUNCTION = "iw_is_ip_address"
LOWER_FUNCTION = "iw_unicode_lower"
_REGISTERING = threading.Lock()


def unicode_lower(text: str | None) -> str | None:
    return None if text is None else text.lower()


def register_text_functions(cursor: duckdb.DuckDBPyConnection) -> None:
    """Make both functions callable from SQL on `cursor`'s database."""
    functions: list[tuple[str, Callable[..., Any], str]] = [
        (IP_FUNCTION, is_ip_address, "BOOLEAN"),
        (LOWER_FUNCTION, unicode_lower, "VARCHAR"),
    ]
    with _REGISTERING:
        for name, function, returns in functions:
            try:
                cursor.execute(f"SELECT {name}(NULL)").fetchall()
            except duckdb.CatalogException:
                varchar = duckdb.type("VARCHAR")
                cursor.create_function(name, function, [varchar], duckdb.type(returns))
