"""Instants in the ledger: fixed-width UTC text, so text order is time order.

`format_utc` drops a zero fraction (`…:00Z`), which sorts after `…:00.5Z` as text;
the ledger stores six fraction digits always and shows instants as `format_utc` does.
"""

from __future__ import annotations

from datetime import UTC, datetime

from insight_workbench.timeutil import format_utc, parse_timestamp, to_utc


def stored(moment: datetime) -> str:
    return to_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def shown(text: str | None) -> str | None:
    """A stored instant as the workbench writes instants elsewhere; None stays None."""
    return format_utc(parse_timestamp(text)) if text else None


def parsed(text: str) -> datetime:
    return parse_timestamp(text)


def now() -> datetime:
    return datetime.now(UTC)
