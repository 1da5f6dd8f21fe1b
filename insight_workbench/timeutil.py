"""Instants of the workbench: always timezone-aware and in UTC.

Every `as_of`, due date and export time passes through `to_utc` (a naive value is
UTC) or `parse_as_of` (what a person typed), so the rule is written once.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from insight_workbench.errors import InputError

LAST_YEAR = 9998  # so that a deadline months after any instant is still a datetime
# What a person may type as `as_of`: a date, or a date and time in ISO 8601's extended
# form (Python alone would also take run-together digits such as 20261128T0200).
AS_OF_TEXT = re.compile(
    r"\d{4}-\d{2}-\d{2}([T ]\d{2}(:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?"
)


def to_utc(moment: datetime) -> datetime:
    """The same instant in UTC; a naive `moment` is read as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_utc(moment: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SS[.fff]Z` (a naive `moment` is UTC): the instant's full
    precision, the fraction written only when it is not zero and without trailing
    zeros (`...23:29:59.999Z`)."""
    utc = to_utc(moment)
    whole = f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}"  # %Y drops a year's leading zeros
    fraction = f"{utc.microsecond:06d}".rstrip("0")
    return f"{whole}.{fraction}Z" if fraction else f"{whole}Z"


def iso_day(value: date | datetime) -> str:
    """`YYYY-MM-DD` of a date or of a moment's own fields, the year in four digits
    (`strftime`'s `%Y` drops a year's leading zeros: `999-05-05`)."""
    return value.isoformat()[:10]


def iso_minute(value: datetime) -> str:
    """`YYYY-MM-DD HH:MM` of a moment's own fields, the year in four digits."""
    return f"{iso_day(value)} {value:%H:%M}"


def days_from(moment: datetime, days: int) -> datetime:
    """`days` days after `moment` (before it when negative), held within the calendar:
    a window reaching past year 1 or 9999 ends there."""
    try:
        return moment + timedelta(days=days)
    except OverflowError:
        edge = datetime.max if days > 0 else datetime.min
        return edge.replace(tzinfo=UTC)


class TimestampRangeError(ValueError):
    """A well-formed timestamp outside the years the workbench can compute with."""


class TimestampPrecisionError(ValueError):
    """An `as_of` finer than the microsecond instants are kept to: cut short, a moment
    just after a deadline would equal it."""


def parse_timestamp(text: str, default_tz: str = "UTC") -> datetime:
    """An ISO 8601 timestamp as a UTC instant; a naive one is read in `default_tz`.

    A local time that a clock change repeats or skips is read as the later of its two
    readings, as DuckDB reads the naive timestamps of the tables. An instant outside
    years 1..9998 in UTC is a `TimestampRangeError`: deadlines a year after it could
    not be computed."""
    moment = datetime.fromisoformat(text.strip())
    try:
        if moment.tzinfo is not None:
            instant = moment.astimezone(UTC)
        else:
            zone = ZoneInfo(default_tz)
            instant = max(moment.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1))
    except OverflowError:
        raise TimestampRangeError("years 1 to 9998 in UTC") from None
    if instant.year > LAST_YEAR:
        raise TimestampRangeError("years 1 to 9998 in UTC")
    return instant


FRACTION = re.compile(r"[.,](\d+)")  # a date has neither: the seconds' fraction
_END_OF_DAY = re.compile(r"(?P<day>\d{4}-\d{2}-\d{2})[T ]24:00(:00(\.0+)?)?(?P<zone>(Z|[+-].*)?)")


def end_of_day_as_next_midnight(value: str) -> str:
    """ISO 8601's `24:00` (seconds and a fraction of zeros allowed) written as the next
    day's `00:00:00`, with its zone; any other text as it is."""
    end_of_day = _END_OF_DAY.fullmatch(value)
    if not end_of_day:
        return value
    try:
        day = date.fromisoformat(end_of_day["day"]) + timedelta(days=1)
    except OverflowError:
        raise TimestampRangeError("years 1 to 9998 in UTC") from None
    return f"{day.isoformat()}T00:00:00{end_of_day['zone']}"


def start_of_utc_day(moment: datetime) -> datetime:
    """The start of the UTC day `moment` falls in: its midnight (a midnight is its own).
    The analyst's `as_of`: counted in whole days, two views a second apart cannot differ
    by one person's login, which hiding small counts would not see; and every day and
    window counted lies wholly before it, so none is cut short by the export's time."""
    instant = to_utc(moment)
    return instant.replace(hour=0, minute=0, second=0, microsecond=0)


def finer_than_microsecond(text: str) -> bool:
    """Whether the timestamp `text` has a fraction of a second with a non-zero digit past
    the sixth (which a moment held to the microsecond would drop)."""
    found = FRACTION.search(text)
    return found is not None and bool(found.group(1)[6:].strip("0"))


def read_as_of(text: str) -> datetime:
    """An `as_of` as a person typed it, on the command line or in the app's address: a
    date means 00:00 UTC of that day, a naive timestamp is UTC. Raises
    `TimestampRangeError` outside years 1..9998, `TimestampPrecisionError` for a
    fraction finer than a microsecond and `ValueError` for anything else. `t` and `z`
    are as good as `T` and `Z`, and `24:00` is the next midnight, as in a table's cells."""
    value = text.strip().upper()
    shape = AS_OF_TEXT.fullmatch(value)
    if not shape:
        raise ValueError("not a date or an ISO 8601 timestamp")
    if finer_than_microsecond(value):
        raise TimestampPrecisionError("finer than a microsecond")
    if len(value) > 10:
        return parse_timestamp(end_of_day_as_next_midnight(value))
    day = date.fromisoformat(value)
    if day.year > LAST_YEAR:
        raise TimestampRangeError("years 1 to 9998 in UTC")
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def parse_as_of(text: str | None, default: datetime) -> datetime:
    """`--as-of` (`read_as_of`); None means `default`. Anything else is an InputError
    naming `--as-of`."""
    if text is None:
        return to_utc(default)
    try:
        return read_as_of(text)
    except TimestampRangeError as error:
        raise InputError(f"--as-of: must be within {error}") from None
    except TimestampPrecisionError:
        raise InputError(
            "--as-of: finer than a microsecond (instants are kept to the microsecond)"
        ) from None
    except ValueError:
        raise InputError("--as-of: not a date or an ISO 8601 timestamp") from None


def known_timezone(name: str) -> bool:
    """True for an IANA zone name both Python and DuckDB know, spelled exactly."""
    if name == "UTC":  # most exports: known to both, without asking DuckDB (a connection)
        return True
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return name in _duckdb_zones()


@cache
def _duckdb_zones() -> frozenset[str]:
    """DuckDB's zone names, read once: opening a connection costs tens of milliseconds."""
    import duckdb  # here, not at the top: the command line's start-up stays light

    from insight_workbench.sql import query

    con = duckdb.connect()
    try:
        return frozenset(str(row["name"]) for row in query(con, "timezone_names.sql"))
    finally:
        con.close()
