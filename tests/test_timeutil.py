"""One reading of an instant: naive is UTC, everything comes back in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from insight_workbench.errors import InputError
from insight_workbench.timeutil import (
    format_utc,
    iso_day,
    iso_minute,
    known_timezone,
    parse_as_of,
    start_of_utc_day,
    to_utc,
)

DEFAULT = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 3, 1, 9, 15), datetime(2026, 3, 1, 9, 15, tzinfo=UTC)),
        (
            datetime(2026, 3, 1, 0, 30, tzinfo=timezone(timedelta(hours=2))),
            datetime(2026, 2, 28, 22, 30, tzinfo=UTC),
        ),
        (datetime(2026, 3, 1, 9, 15, tzinfo=UTC), datetime(2026, 3, 1, 9, 15, tzinfo=UTC)),
    ],
)
def test_to_utc(moment: datetime, expected: datetime) -> None:
    converted = to_utc(moment)
    assert converted == expected
    assert converted.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, DEFAULT),
        ("2026-12-01", datetime(2026, 12, 1, tzinfo=UTC)),
        (" 2026-12-01 ", datetime(2026, 12, 1, tzinfo=UTC)),
        ("2026-12-01T10:00:00", datetime(2026, 12, 1, 10, tzinfo=UTC)),
        ("2026-07-01T10:00:00+01:00", datetime(2026, 7, 1, 9, tzinfo=UTC)),
        ("2026-07-01T10:00:00Z", datetime(2026, 7, 1, 10, tzinfo=UTC)),
        ("2026-07-01T10:00:00.123456Z", datetime(2026, 7, 1, 10, 0, 0, 123456, tzinfo=UTC)),
        ("2026-07-01T10:00:00.999000000Z", datetime(2026, 7, 1, 10, 0, 0, 999000, tzinfo=UTC)),
        # as a table's cells are read: `t` and `z` for `T` and `Z`, 24:00 the next midnight
        ("2026-03-29t12:00:00z", datetime(2026, 3, 29, 12, tzinfo=UTC)),
        ("2026-03-29T24:00:00Z", datetime(2026, 3, 30, tzinfo=UTC)),
        ("2026-12-31 24:00+01:00", datetime(2026, 12, 31, 23, tzinfo=UTC)),
        ("2026-03-29T24:00:00.000Z", datetime(2026, 3, 30, tzinfo=UTC)),
    ],
)
def test_parse_as_of(text: str | None, expected: datetime) -> None:
    assert parse_as_of(text, DEFAULT) == expected


def test_parse_as_of_default_is_made_utc() -> None:
    assert parse_as_of(None, datetime(2026, 1, 1, 12)).tzinfo is UTC


@pytest.mark.parametrize(
    "text", ["yesterday", "2026-13-01", "01/12/2026", "2026-03-29T24:00:01Z", "2026-03-29T24:30"]
)
def test_parse_as_of_refuses_what_is_not_a_time(text: str) -> None:
    with pytest.raises(InputError, match=r"^--as-of: not a date or an ISO 8601 timestamp$"):
        parse_as_of(text, DEFAULT)


@pytest.mark.parametrize("text", ["2026-02-28T23:59:59.9990001Z", "2026-02-28T23:59:59.123456789"])
def test_parse_as_of_refuses_a_time_finer_than_a_microsecond(text: str) -> None:
    # cut to the microsecond, a moment 100 ns after a due instant would equal it
    with pytest.raises(InputError, match=r"^--as-of: finer than a microsecond"):
        parse_as_of(text, DEFAULT)


def test_format_utc_reads_naive_as_utc() -> None:
    assert format_utc(datetime(2026, 3, 1, 9, 15)) == "2026-03-01T09:15:00Z"
    moment = datetime(2026, 3, 1, 0, 30, tzinfo=timezone(timedelta(hours=2)))
    assert format_utc(moment) == "2026-02-28T22:30:00Z"


def test_format_utc_writes_four_digit_years() -> None:
    assert format_utc(datetime(999, 1, 2, 3, 4, 5, 600000)) == "0999-01-02T03:04:05.6Z"
    assert format_utc(datetime(2, 12, 31)) == "0002-12-31T00:00:00Z"


@pytest.mark.parametrize(("name", "known"), [("Europe/London", True), ("Mars/Olympus", False)])
def test_known_timezone(name: str, known: bool) -> None:
    assert known_timezone(name) is known


def test_days_and_minutes_are_written_with_four_digit_years() -> None:
    assert iso_day(date(999, 5, 5)) == "0999-05-05"
    assert iso_day(datetime(1, 1, 2, 23, 59, tzinfo=UTC)) == "0001-01-02"
    assert iso_minute(datetime(999, 5, 5, 7, 8, 9)) == "0999-05-05 07:08"


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 28, tzinfo=UTC), datetime(2026, 11, 28, tzinfo=UTC)),  # a day
        (datetime(2026, 11, 28, 0, 0, 0, 1, tzinfo=UTC), datetime(2026, 11, 28, tzinfo=UTC)),
        (datetime(2026, 11, 28, 23, 30, tzinfo=UTC), datetime(2026, 11, 28, tzinfo=UTC)),
        (  # 00:30 in London on a summer day is 23:30 UTC the day before
            datetime.fromisoformat("2026-07-02T00:30:00+01:00"),
            datetime(2026, 7, 1, tzinfo=UTC),
        ),
        (datetime(1, 1, 1, 12, tzinfo=UTC), datetime(1, 1, 1, tzinfo=UTC)),
    ],
)
def test_the_start_of_a_utc_day(moment: datetime, expected: datetime) -> None:
    assert start_of_utc_day(moment) == expected
