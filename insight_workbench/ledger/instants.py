"""Instants in the ledger: fixed-width UTC text, so text order is time order.

`format_utc` drops a zero fraction (`…:00Z`), which sorts after `…:00.5Z` as text;
the ledger stores six fraction digits always and shows instants as `format_utc` does.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from insight_workbench.errors import InputError
from insight_workbench.timeutil import format_utc, to_utc

# A stored value the workbench did not write: named, never a traceback (the value itself
# is not repeated: it was put there by hand and may be anything).
CHANGED_BY_HAND = (
    "the ledger (INSIGHT_LEDGER) holds a {what} the workbench did not write: "
    "it was changed outside the workbench"
)


def stored(moment: datetime) -> str:
    utc = to_utc(moment)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S.%fZ}"  # %Y drops a year's leading zeros


def shown(text: str | None) -> str | None:
    """A stored instant as the workbench writes instants elsewhere; None stays None."""
    return format_utc(parsed(text)) if text else None


def parsed(text: str) -> datetime:
    """A stored instant; one of a year before 1000 written without its leading zeros (as
    earlier versions did) is read too."""
    try:
        year, _, rest = text.partition("-")
        # Not `parse_timestamp`: a due the workbench computed may lie in year 9999.
        moment = datetime.fromisoformat(
            f"{int(year):04d}-{rest}" if year.isdigit() and rest else text
        )
        return to_utc(moment)
    except (ValueError, TypeError, AttributeError):
        raise InputError(CHANGED_BY_HAND.format(what="time")) from None


def canonical(text: str) -> str:
    """A stored instant as the ledger writes it now (fixed width, so text order is time
    order): one written by an earlier version, a year before 1000 without its leading
    zeros, sorts in its place too."""
    return stored(parsed(text))


def stored_json(text: str) -> Any:
    """A JSON value the ledger stored (a run's rules, the rows held)."""
    try:
        return json.loads(text)
    except (ValueError, TypeError):
        raise InputError(CHANGED_BY_HAND.format(what="value")) from None


def stored_rules(text: str) -> frozenset[str]:
    """The rule codes a recorded run checked (a JSON list of text)."""
    rules = stored_json(text)
    if not isinstance(rules, list) or not all(isinstance(code, str) for code in rules):
        raise InputError(CHANGED_BY_HAND.format(what="list of rules"))
    return frozenset(rules)


def parsed_date(text: str) -> date:
    """A stored calendar date (`YYYY-MM-DD`)."""
    try:
        return date.fromisoformat(text)
    except (ValueError, TypeError):
        raise InputError(CHANGED_BY_HAND.format(what="date")) from None


def now() -> datetime:
    return datetime.now(UTC)
