"""The app's address: what a view is made of, read from and written to the query string.

`snapshot`, `as_of` and `key` are the parameters of the contract (docs/app.md); page
filters add their own. A link made here reproduces the view. `snapshot` and `as_of`
outlive a move to another page (the navigation drops the query string): they are
remembered once valid and written back when missing. Messages about a bad parameter
are in the app's words and never repeat a key's value (it may be an IP address).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import streamlit as st

from insight_workbench.errors import InputError
from insight_workbench.timeutil import (
    TimestampPrecisionError,
    TimestampRangeError,
    format_utc,
    read_as_of,
)

SNAPSHOT, AS_OF, KEY = "snapshot", "as_of", "key"
KEPT = (SNAPSHOT, AS_OF)  # the view's data, kept from page to page
_REMEMBERED = "_address_kept"
# Key prefixes of docs/rules.md; `column:` and `row:` hold a table name before the id.
PREFIXES = (
    "org",
    "request",
    "user",
    "message",
    "processor",
    "dataset",
    "login",
    "ip",
    "view",
    "column",
    "row",
)


@dataclass(frozen=True)
class RecordKey:
    """A finding or record key, `prefix:ident` (`org:O17`, `dataset:visits:postcode`)."""

    prefix: str
    ident: str

    @property
    def text(self) -> str:
        return f"{self.prefix}:{self.ident}"


def parse_key(text: str) -> RecordKey:
    """A key as the rules write it; anything else is an `InputError` in the app's words.
    The id is kept as written, spaces included: ids are (`request:  R1 ` is what `check`
    and the app's own links name), so a key that names nothing says why instead."""
    prefix, colon, ident = text.lstrip().partition(":")
    if not colon or not ident:
        raise InputError(
            "The record key in the address is not of the form kind:id "
            "(for example org:O17 or request:R8)."
        )
    if prefix not in PREFIXES:
        shown = prefix if prefix.isascii() and prefix.isalnum() and len(prefix) <= 20 else "?"
        raise InputError(
            f"The record key in the address is of an unknown kind '{shown}': expected one of "
            + ", ".join(PREFIXES)
            + "."
        )
    number = ident.rpartition(":")[2]
    if prefix == "row" and not (number.isascii() and number.isdecimal()):  # not `²` or `١٢`
        raise InputError("A row key in the address is row:TABLE:N, N a row number.")
    if prefix == "column" and not all(ident.rpartition(":")[::2]):
        raise InputError("A column key in the address is column:TABLE:COLUMN.")
    if prefix == "dataset" and ":" in ident and not all(ident.partition(":")[::2]):
        raise InputError("A dataset key in the address is dataset:NAME or dataset:NAME:COLUMN.")
    return RecordKey(prefix, ident)


# A query string decodes `+` as a space, so an offset typed as `+01:00` straight into the
# address arrives as ` 01:00`: a space between a time and an offset's digits is that `+`.
_PLUS_READ_AS_SPACE = re.compile(
    r"(\d{4}-\d{2}-\d{2}[Tt ]\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?) (\d{2}(?::?\d{2})?)"
)


def parse_as_of(text: str) -> datetime:
    """`as_of` from the address, read as on the command line (`read_as_of`), so a link
    never drifts; an offset's `+` that the query string turned into a space is read as
    `+`. A bad one is an `InputError` in the app's words."""
    try:
        return read_as_of(_with_plus(text))
    except TimestampRangeError:
        raise InputError("The date in the address (as_of) is outside years 1 to 9998.") from None
    except TimestampPrecisionError:
        raise InputError(
            "The time in the address (as_of) is finer than a microsecond, "
            "the finest the workbench keeps."
        ) from None
    except ValueError:
        raise InputError(
            "The date in the address (as_of) is not a date like 2026-03-31 "
            "or an ISO 8601 time like 2026-03-31T12:00:00Z."
        ) from None


def _with_plus(text: str) -> str:
    plus = _PLUS_READ_AS_SPACE.fullmatch(text.strip())
    return f"{plus[1]}+{plus[2]}" if plus else text


def link(url_path: str, params: Mapping[str, str | Sequence[str]]) -> str:
    """A relative address: `retention?key=org:O8&snapshot=2026-11`. Relative to the app's
    root folder, so it also works under a base URL path; the start page is `./`."""
    pairs: list[tuple[str, str]] = []
    for name, value in params.items():
        values = [value] if isinstance(value, str) else list(value)
        pairs += [(name, str(v)) for v in values]
    query = urlencode(pairs, quote_via=quote, safe=":/")
    return (url_path or "./") + (f"?{query}" if query else "")


def params() -> dict[str, list[str]]:
    """Every parameter of the current address (a filter may repeat)."""
    return {name: st.query_params.get_all(name) for name in st.query_params}


def one(name: str) -> str | None:
    value = st.query_params.get(name)
    return value if value else None


def record_key() -> RecordKey | None:
    """The `key` of the address, parsed; None when there is none."""
    text = one(KEY)
    return parse_key(text) if text is not None else None


def restore_kept() -> None:
    """Write back `snapshot` and `as_of` when a move between pages dropped them."""
    kept: dict[str, str] = st.session_state.get(_REMEMBERED, {})
    for name, value in kept.items():
        if name not in st.query_params:
            st.query_params[name] = value


def remember_kept() -> None:
    """Once the view opened: its `snapshot` and `as_of` are the ones to keep."""
    st.session_state[_REMEMBERED] = {n: v for n in KEPT if (v := one(n)) is not None}


def set_param(name: str, value: str | None) -> None:
    """Set (or, for None, remove) one parameter, and what is kept of it."""
    kept: dict[str, str] = st.session_state.setdefault(_REMEMBERED, {})
    if value is None:
        st.query_params.pop(name, None)
        kept.pop(name, None)
    else:
        st.query_params[name] = value
        if name in KEPT:
            kept[name] = value


def bound(
    widget_key: str,
    param: str,
    default: Any,
    options: Sequence[Any] | None = None,
    cast: Callable[[str], Any] = str,
    many: bool = False,
) -> dict[str, Any]:
    """Keyword arguments that tie a filter widget to a query parameter: the widget opens
    on the address's value (values that are not options are ignored) and a change is
    written back. Pass them instead of the widget's `default`/`index`/`key`."""
    raw = st.query_params.get_all(param)
    values = []
    for text in raw:
        if not text:  # `show=`: a choice of nothing, kept apart from no choice at all
            continue
        try:
            value = cast(text)
        except ValueError:
            continue
        if options is None or value in options:
            values.append(value)
    chosen = values if many else (values[0] if values else default)
    if many and not values and "" not in raw:  # none given, or none that is a choice
        chosen = default
    if st.session_state.get(widget_key) != chosen:
        st.session_state[widget_key] = chosen
    return {"key": widget_key, "on_change": _write_back, "args": (widget_key, param, default)}


def _write_back(widget_key: str, param: str, default: Any) -> None:
    value = st.session_state.get(widget_key)
    if value == default:
        st.query_params.pop(param, None)
    elif isinstance(value, list):
        st.query_params[param] = [str(v) for v in value] or [""]
    else:
        st.query_params[param] = str(value)


def absolute(relative: str) -> str:
    """The link as the browser would open it, when the app knows its own address."""
    url = st.context.url  # None without a browser behind the run
    if not url:
        return relative
    parts = urlsplit(url)
    base_path = str(st.get_option("server.baseUrlPath") or "").strip("/")
    root = f"{parts.scheme}://{parts.netloc}/" + (f"{base_path}/" if base_path else "")
    return root + relative.removeprefix("./")


def show_link(url_path: str, exported_at: datetime) -> None:
    """The "Copy link" affordance: this view's address, as of its exact instant. An
    address without `as_of` means the export time, written out; never the instant a role
    counts to (an analyst's start of the day), which is not what the address said."""
    current = params()
    if one(SNAPSHOT) is None:  # absent or empty: the default snapshot
        current.pop(SNAPSHOT, None)
    if one(AS_OF) is None:  # absent or empty: the export time, written out
        current[AS_OF] = [format_utc(exported_at)]
    else:  # an offset's `+` the query string read as a space: written back as `+`
        current[AS_OF] = [_with_plus(v) for v in current[AS_OF]]
    st.sidebar.markdown("**Link to this view**", help="Copy it with the button at its right.")
    st.sidebar.code(absolute(link(url_path, current)), language=None, wrap_lines=True)
