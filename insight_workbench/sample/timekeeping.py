"""Time for the sample: integer UTC seconds, fast ISO formatting, London dates, due dates."""

from __future__ import annotations

import calendar
import random
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

DAY = 86_400
HOUR = 3_600
MINUTE = 60
LONDON = ZoneInfo("Europe/London")
EXPORTED_AT_ISO = "2026-11-28T02:00:00Z"
EXPORTED_AT = int(datetime(2026, 11, 28, 2, 0, tzinfo=UTC).timestamp())
BANK_HOLIDAYS = holidays.country_holidays("GB", subdiv="ENG", years=range(2019, 2032))


def at(text: str) -> int:
    """Seconds since the epoch of an ISO 8601 UTC moment such as `2026-10-07T09:30:00Z`."""
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


@lru_cache(maxsize=8192)
def _day_text(day: int) -> str:
    return (date(1970, 1, 1) + timedelta(days=day)).isoformat()


_CLOCK = [f"T{s // HOUR:02d}:{s // MINUTE % 60:02d}:{s % 60:02d}Z" for s in range(DAY)]


def iso(t: int) -> str:
    """`YYYY-MM-DDTHH:MM:SSZ` of a UTC second (hot path: no datetime objects)."""
    return _day_text(t // DAY) + _CLOCK[t % DAY]


def day_text(day: int) -> str:
    return _day_text(day)


def utc_date(t: int) -> date:
    return date(1970, 1, 1) + timedelta(days=t // DAY)


@lru_cache(maxsize=8192)
def london_offset(day: int) -> int:
    """Seconds London is ahead of UTC at noon of UTC day `day` (0 or 3600)."""
    noon = datetime.fromtimestamp(day * DAY + 12 * HOUR, UTC)
    offset = noon.astimezone(LONDON).utcoffset()
    return int(offset.total_seconds()) if offset else 0


def daytime(rng: random.Random, t: int, earliest: int = 0, latest: int = 2**40) -> int:
    """`t` moved to a random moment of London office hours (08:00-18:00) on its day,
    unless that would leave [earliest, latest): people act in the daytime."""
    day = t // DAY
    moved = day * DAY + 8 * HOUR + int(rng.random() * 10 * HOUR) - london_offset(day)
    return moved if earliest <= moved < latest else t


def london_date(t: int) -> date:
    return datetime.fromtimestamp(t, UTC).astimezone(LONDON).date()


@lru_cache(maxsize=8192)
def is_working_day(day: int) -> bool:
    d = date(1970, 1, 1) + timedelta(days=day)
    return d.weekday() < 5 and d not in BANK_HOLIDAYS


def add_months(d: date, months: int) -> date:
    """Same day-of-month `months` later, clamped to the end of a shorter month."""
    index = d.month - 1 + months
    year, month = d.year + index // 12, index % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def add_months_t(t: int, months: int) -> int:
    moment = datetime.fromtimestamp(t, UTC)
    shifted = add_months(moment.date(), months)
    return int(datetime.combine(shifted, moment.timetz()).timestamp())


def sar_due(received_at: int, clock_started_at: int | None, extended: bool) -> date:
    """The response due date of rules.md: London date + 1 (or 3) months, off weekends/holidays."""
    due = add_months(london_date(clock_started_at or received_at), 3 if extended else 1)
    while due.weekday() >= 5 or due in BANK_HOLIDAYS:
        due += timedelta(days=1)
    return due


def london_day_end(d: date) -> int:
    """The last second of London date `d`, as UTC seconds."""
    nxt = datetime.combine(d + timedelta(days=1), datetime.min.time(), LONDON)
    return int(nxt.timestamp()) - 1
