"""Instants in the ledger: fixed-width UTC text, so text order is time order.

`format_utc` drops a zero fraction (`…:00Z`), which sorts after `…:00.5Z` as text;
the ledger stores six fraction digits always and shows instants as `format_utc` does.
"""

from __future__ import annotations

from datetime import UTC, datetime

from insight_workbench.timeutil import format_utc, parse_timestamp, to_utc


def stored(moment: datetime) -> str:
    utc = to_utc(moment)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S.%fZ}"  # %Y drops a year's leading zeros


def shown(text: str | None) -> str | None:
    """A stored instant as the workbench writes instants elsewhere; None stays None."""
    return format_utc(parsed(text)) if text else None


def parsed(text: str) -> datetime:
    """A stored instant; one of a year before 1000 written without its leading zeros (as
    earlier versions did) is read too."""
    year, _, rest = text.partition("-")
    return parse_timestamp(f"{int(year):04d}-{rest}" if year.isdigit() and rest else text)


def now() -> datetime:
    return datetime.now(UTC)
