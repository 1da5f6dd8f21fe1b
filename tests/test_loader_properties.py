"""Property-based tests of the loader (hypothesis): what Python's csv writer writes loads
back equal, and any bytes at all either load (every row accounted for) or are refused
with the workbench's own error, never another exception."""

from __future__ import annotations

import csv
import shutil
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from loader_checks import assert_all_rows_accounted, set_manifest, valid_snapshot

from insight_workbench.errors import InputError
from insight_workbench.loading.csv_records import read_csv_with_python
from insight_workbench.loading.readers import count_records, read_file
from insight_workbench.loading.snapshot import load_snapshot
from insight_workbench.timeutil import parse_timestamp

pytestmark = pytest.mark.slow  # every example loads a snapshot of its own
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LOGINS = ["login_id", "ts", "user_id", "success", "ip", "user_agent", "referrer"]
ZONES = ["UTC", "Europe/London", "America/New_York", "Australia/Sydney"]

# Any text a UTF-8 export can hold, but NUL (quarantined by design) and lone surrogates.
text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
text_without_cr = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r")
)
# (line terminator, quoting, text). Python's writer leaves a CR unquoted when the line
# terminator is a bare LF, which RFC 4180 forbids (the file is ambiguous): with that
# style the text holds no CR, unless every field is quoted.
STYLES = [
    ("\r\n", csv.QUOTE_MINIMAL, text),
    ("\n", csv.QUOTE_ALL, text),
    ("\n", csv.QUOTE_MINIMAL, text_without_cr),
]
moments = st.datetimes(datetime(1970, 1, 2), datetime(2099, 12, 30))
offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
spellings = {True: ["true", "TRUE", "True", "1", " true "], False: ["false", "FALSE", "0"]}


@st.composite
def instants(draw: st.DrawFn, zone: str) -> tuple[str, datetime]:
    """An ISO 8601 text and the UTC instant it means (naive texts are in `zone`)."""
    moment = draw(moments)
    separator = draw(st.sampled_from(["T", " "]))
    if draw(st.booleans()):
        aware = moment.replace(tzinfo=draw(offsets))
        written = aware.isoformat(sep=separator)
        if aware.utcoffset() == timedelta(0) and draw(st.booleans()):
            written = written.replace("+00:00", "Z")
        return written, aware.astimezone(UTC)
    written = moment.isoformat(sep=separator)
    return written, parse_timestamp(written, zone)


@st.composite
def login_rows(
    draw: st.DrawFn, zone: str, text: st.SearchStrategy[str]
) -> list[tuple[list[str], tuple[Any, ...]]]:
    """(cells written, row expected in the typed table) for a few logins."""
    some_text = text.filter(bool)
    rows = []
    for n in range(draw(st.integers(0, 8))):
        written_ts, ts = draw(instants(zone))
        success = draw(st.booleans())
        user_id, ip = draw(st.one_of(st.just(""), some_text)), draw(some_text)
        agent, referrer = draw(text), draw(text)
        cells = [
            f"L{n}",
            written_ts,
            user_id,
            draw(st.sampled_from(spellings[success])),
            ip,
            agent,
            referrer,
        ]
        rows.append(
            (cells, (f"L{n}", ts, user_id or None, success, ip, agent or None, referrer or None))
        )
    return rows


@pytest.fixture(scope="session")
def base_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minimal valid snapshot, built once: each example changes a copy of its own."""
    return valid_snapshot(tmp_path_factory.mktemp("base") / "s")


def copy_of(base: Path, directory: str) -> Path:
    return Path(shutil.copytree(base, Path(directory) / base.name))


def write_csv(path: Path, header: list[str], rows: list[list[str]], style: tuple) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator=style[0], quoting=style[1])
        writer.writerow(header)
        writer.writerows(rows)


@SETTINGS
@given(data=st.data(), zone=st.sampled_from(ZONES), style=st.sampled_from(STYLES))
def test_written_logins_load_back_equal(
    base_snapshot: Path, data: st.DataObject, zone: str, style: tuple
) -> None:
    rows = data.draw(login_rows(zone, style[2]))
    with tempfile.TemporaryDirectory() as directory:
        folder = copy_of(base_snapshot, directory)
        write_csv(folder / "logins.csv", LOGINS, [cells for cells, _ in rows], style)
        set_manifest(folder, {"logins": len(rows)}, timezone=zone)
        snapshot = load_snapshot(folder)
        try:
            assert_all_rows_accounted(snapshot)
            loaded = snapshot.cursor().execute("SELECT * FROM logins").fetchall()
            assert loaded == [expected for _, expected in rows]
        finally:
            snapshot.con.close()


@SETTINGS
@given(data=st.data(), style=st.sampled_from(STYLES))
def test_fast_path_and_fallback_agree_on_written_text(data: st.DataObject, style: tuple) -> None:
    rows = data.draw(st.lists(st.lists(style[2], min_size=3, max_size=3), max_size=12))
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "t.csv"
        write_csv(path, ["a", "b", "c"], rows, style)
        con = duckdb.connect(config={"preserve_insertion_order": True})
        fast = read_file(con, path, "fast")
        slow = read_file(con, path, "ignored")
        slow.table = "slow"
        slow.rejects = read_csv_with_python(con, path, slow, 3)
        # The writer never writes a blank line for three columns: every row is a record.
        expected = [(n, *(cell or None for cell in row)) for n, row in enumerate(rows, start=1)]
        assert fast.rejects == slow.rejects == []
        for table in ("fast", "slow"):
            assert con.execute(f"SELECT * FROM {table} ORDER BY _row").fetchall() == expected
        con.close()


CSV_PIECES = [
    b",",
    b'"',
    b"\n",
    b"\r",
    b"\r\n",
    b" ",
    b"L1",
    b"U1",
    b"true",
    b"\xff",
    b"\x00",
    b"\xef\xbb\xbf",
    b"2026-01-05T09:00:00Z",
    b"2026-02-30",
    "é".encode(),
    b";",
]
HEADER = ",".join(LOGINS).encode() + b"\n"
messy = st.one_of(
    st.binary(max_size=300),
    st.lists(st.sampled_from(CSV_PIECES), max_size=60).map(b"".join),
    st.lists(st.sampled_from(CSV_PIECES), max_size=60).map(lambda p: HEADER + b"".join(p)),
)


@SETTINGS
@given(content=messy)
def test_any_bytes_load_or_raise_input_error(base_snapshot: Path, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        folder = copy_of(base_snapshot, directory)
        (folder / "logins.csv").write_bytes(content)
        try:
            set_manifest(folder, {"logins": count_records(folder / "logins.csv")})
            snapshot = load_snapshot(folder)
        except InputError as error:
            message = str(error)
            assert message.startswith("logins.csv: "), message
            assert message.isprintable(), message
            return
        try:
            assert_all_rows_accounted(snapshot)
        finally:
            snapshot.con.close()
