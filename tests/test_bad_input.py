"""The bad-input matrix: every case is either quarantined row by row (exact table, row,
column and reason; loaded + rejected = rows in the file for every table) or refused by
the command line (run in-process through its entry point) with exit 2 and one line
naming the culprit. A planted value never shows in any message or report."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cli_runner import run_cli
from loader_checks import (
    PLANTED,
    VALID,
    assert_all_rows_accounted,
    rejects_of,
    replace_file,
    set_manifest,
    valid_snapshot,
)

from insight_workbench.commands.validate_cmd import render_table
from insight_workbench.errors import InputError
from insight_workbench.loading.load_report import validation_report
from insight_workbench.loading.manifest import sha256_file
from insight_workbench.loading.schema import TABLES
from insight_workbench.loading.snapshot import Snapshot, load_snapshot

pytestmark = pytest.mark.slow  # started first: see tests/conftest.py

LOGINS = "login_id,ts,user_id,success,ip,user_agent,referrer"
GOOD = "L1,2026-01-05T09:00:00Z,U1,true,10.0.0.1,,"
BAD_TS = "not an ISO 8601 timestamp"
OTHER_ISO_FORM = "an ISO 8601 form not taken here (write it as 2026-03-01T09:15:00Z)"
INVALID_TS = "not a valid date and time"
MISSING = "missing value (required)"
NOT_ENUM = "not one of the allowed values"


def csv_bytes(*lines: str, end: str = "\n") -> bytes:
    return (end.join(lines) + end).encode("utf-8")


def login(login_id: str, ts: str = "2026-01-05T09:00:00Z", **cells: str) -> str:
    row = {"success": "true", "ip": "10.0.0.1", "user_agent": "", "referrer": ""} | cells
    return ",".join(
        [login_id, ts, "U1", row["success"], row["ip"], row["user_agent"], row["referrer"]]
    )


REQUESTS = "request_id,received_at,requester_email,user_id,type,status,completed_at,extended"
USERS = "user_id,org_id,name,email,telephone,role,created_at,deleted_at"
DUPLICATE_EMAIL = "duplicate email (trimmed, lower-cased)"


def request(request_id: str) -> str:
    return f"{request_id},2026-01-05T09:00:00Z,ann@example.org,U1,access,open,,false"


def user(user_id: str, email: str, created_at: str = "2026-01-05T09:00:00Z") -> str:
    return f"{user_id},O1,Ann,{email},,user,{created_at},"


def column(snapshot: Snapshot, sql: str) -> list[Any]:
    return [row[0] for row in snapshot.cursor().execute(sql).fetchall()]


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@dataclass
class Quarantine:
    id: str
    table: str
    content: bytes
    records: int  # data records in the file, counted by hand
    rejects: list[tuple[int, str | None, str]] = field(default_factory=list)
    check: Callable[[Snapshot], None] | None = None
    timezone: str = "UTC"


def expect(sql: str, values: list[Any]) -> Callable[[Snapshot], None]:
    def check(snapshot: Snapshot) -> None:
        assert column(snapshot, sql) == values

    return check


def no_planted_value_anywhere(snapshot: Snapshot) -> None:
    """The planted value is in no queryable table but `rejects` (which holds bad values)."""
    cursor = snapshot.cursor()
    columns = cursor.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE data_type = 'VARCHAR' AND table_name <> 'rejects'"
    ).fetchall()
    for table, name in columns:
        found = cursor.execute(
            f'SELECT count(*) FROM "{table}" WHERE contains("{name}", ?)', [PLANTED]
        ).fetchone()
        assert found == (0,), (table, name)


def orphan_reported(snapshot: Snapshot) -> None:
    assert validation_report(snapshot)["orphans"] == [
        {"table": "logins", "column": "user_id", "parent": "users", "rows": 1}
    ]


def credentials_left_out(snapshot: Snapshot) -> None:
    assert snapshot.credential_columns == [("users", "password_hash")]
    assert "password_hash" not in column(snapshot, "SELECT column_name FROM (DESCRIBE users)")
    no_planted_value_anywhere(snapshot)


HUGE = "x" * (16 * 1024 * 1024 + 10)
QUARANTINES = [
    Quarantine(
        "bom",
        "logins",
        b"\xef\xbb\xbf" + csv_bytes(LOGINS, GOOD),
        1,
        check=expect("SELECT login_id FROM logins", ["L1"]),
    ),
    Quarantine(
        "crlf",
        "logins",
        csv_bytes(LOGINS, GOOD, login("L2", referrer="r.example"), end="\r\n"),
        2,
        check=expect("SELECT referrer FROM logins", [None, "r.example"]),
    ),
    Quarantine(
        "mixed line endings",
        "logins",
        f"{LOGINS}\n{GOOD}\r\n{login('L2', referrer='r.example')}\n".encode(),
        2,
        check=expect("SELECT referrer FROM logins", [None, "r.example"]),
    ),
    Quarantine(
        "embedded newline quotes and commas",
        "logins",
        csv_bytes(LOGINS, login("L1", user_agent='"Moz ""q"", x\r\ny"')),
        1,
        check=expect("SELECT user_agent FROM logins", ['Moz "q", x\r\ny']),
    ),
    Quarantine(
        "unterminated quote at the end",
        "logins",
        csv_bytes(LOGINS, GOOD, login("L2", user_agent=f'"{PLANTED}')),
        2,
        [(2, None, "unterminated quoted field")],
    ),
    Quarantine(
        "text after a closing quote",
        "logins",
        csv_bytes(LOGINS, GOOD, login("L2", user_agent=f'"a"{PLANTED}'), login("L3")),
        3,
        [(2, None, "text after a closing quote")],
        expect("SELECT login_id FROM logins", ["L1", "L3"]),
    ),
    Quarantine(
        "too few fields",
        "logins",
        csv_bytes(LOGINS, GOOD, f"L2,{PLANTED}"),
        2,
        [(2, None, "has 2 fields, the header has 7")],
    ),
    Quarantine(
        "too many fields",
        "logins",
        csv_bytes(LOGINS, GOOD, login("L2") + f",{PLANTED}"),
        2,
        [(2, None, "has 8 fields, the header has 7")],
    ),
    Quarantine("trailing empty fields", "logins", csv_bytes(LOGINS, GOOD + ",,"), 1),
    Quarantine(
        "whitespace-only line",
        "logins",
        csv_bytes(LOGINS, GOOD, "   ", login("L3")),
        3,
        [(2, None, "has 1 fields, the header has 7")],
    ),
    Quarantine(
        "blank lines are not records", "logins", csv_bytes(LOGINS, GOOD, "", login("L2"), ""), 2
    ),
    Quarantine("header only", "logins", csv_bytes(LOGINS), 0),
    Quarantine(
        "header padded and reordered",
        "logins",
        csv_bytes(
            " ip , login_id,referrer,user_agent,success,user_id, ts",
            "10.0.0.9,L1,,,true,U1,2026-01-05T09:00:00Z",
        ),
        1,
        check=expect("SELECT ip FROM logins", ["10.0.0.9"]),
    ),
    Quarantine(
        "bad boolean",
        "logins",
        csv_bytes(LOGINS, login("L1", success=PLANTED)),
        1,
        [(1, "success", "not true/false/1/0")],
    ),
    Quarantine(
        "boolean spellings",
        "logins",
        csv_bytes(
            LOGINS,
            *(
                login(f"L{i}", success=v)
                for i, v in enumerate(["TRUE", "False", "1", "0", " true "])
            ),
        ),
        5,
        check=expect("SELECT success FROM logins", [True, False, True, False, True]),
    ),
    Quarantine(
        "unparsable timestamp",
        "logins",
        csv_bytes(LOGINS, login("L1", PLANTED)),
        1,
        [(1, "ts", BAD_TS)],
    ),
    Quarantine(
        "30 February",
        "logins",
        csv_bytes(LOGINS, login("L1", "2026-02-30T10:00:00Z")),
        1,
        [(1, "ts", INVALID_TS)],
    ),
    Quarantine(
        "month 13",
        "logins",
        csv_bytes(LOGINS, login("L1", "2026-13-01T10:00:00Z")),
        1,
        [(1, "ts", INVALID_TS)],
    ),
    Quarantine(
        "hour 25",
        "logins",
        csv_bytes(LOGINS, login("L1", "2026-03-01T25:00:00Z")),
        1,
        [(1, "ts", INVALID_TS)],
    ),
    *(
        Quarantine(
            f"offset {offset}",
            "logins",
            csv_bytes(LOGINS, login("L1", f"2026-03-01T10:00:00{offset}")),
            1,
            [(1, "ts", BAD_TS)],
        )
        for offset in ("+24:00", "+25:00", "-99:00", "+01:60", "+0199")
    ),
    Quarantine(
        "offsets at the ends of the range",
        "logins",
        csv_bytes(
            LOGINS,
            login("L1", "2026-03-01T10:00:00+23:59"),
            login("L2", "2026-03-01T10:00:00-23:59"),
            login("L3", "2026-03-01T10:00:00+0530"),
        ),
        3,
        [],
    ),
    Quarantine(
        "fractions of any length, cut to the microsecond",
        "logins",
        csv_bytes(
            LOGINS,
            login("L1", "2026-03-01T10:00:00.123456789Z"),
            login("L2", "2026-03-01T10:00:00.1234567891Z"),
            login("L3", "2026-03-01T10:00:00." + "9" * 40 + "Z"),
        ),
        3,
        [],
        expect(
            "SELECT strftime(ts, '%f') FROM logins ORDER BY login_id",
            ["123456", "123456", "999999"],
        ),
    ),
    Quarantine(
        "date in a timestamp column",
        "logins",
        csv_bytes(LOGINS, login("L1", "2026-03-01")),
        1,
        [(1, "ts", BAD_TS)],
    ),
    Quarantine(
        "ISO 8601 forms the format does not take are said to be so",
        "logins",
        csv_bytes(
            LOGINS,
            login("L1", "20260301T091500Z"),  # the basic form
            login("L2", '"2026-03-01T09:15:00,5Z"'),  # a comma before the fraction
            login("L3", "2026-W09-7T09:15:00Z"),  # a week date
            login("L4", "2026-060T09:15:00Z"),  # an ordinal date
            login("L5", "2026-03-01T09Z"),  # hours alone
            login("L6", "2026-03-01T09:15:00Z"),
        ),
        6,
        [(n, "ts", OTHER_ISO_FORM) for n in range(1, 6)],
    ),
    Quarantine(
        "zone name instead of offset",
        "logins",
        csv_bytes(LOGINS, login("L1", "2026-03-01 10:00:00 Europe/London")),
        1,
        [(1, "ts", BAD_TS)],
    ),
    Quarantine(
        "naive timestamps in the manifest zone",
        "logins",
        csv_bytes(
            LOGINS,
            login("L1", "2026-07-01T10:00:00"),
            login("L2", "2026-01-15T10:00:00"),
            login("L3", "2026-07-01T10:00:00+02:00"),
            login("L4", "2026-07-01t10:00:00z"),
            login("L5", " 2026-07-01 10:00 "),
        ),
        5,
        check=expect(
            "SELECT ts FROM logins",
            [
                utc(2026, 7, 1, 9),
                utc(2026, 1, 15, 10),
                utc(2026, 7, 1, 8),
                utc(2026, 7, 1, 10),
                utc(2026, 7, 1, 9),
            ],
        ),
        timezone="Europe/London",
    ),
    Quarantine(
        "missing and quoted-empty required values",
        "logins",
        csv_bytes(LOGINS, login("L1", ip=""), login("L2", ip='""'), login("L3", ts='""')),
        3,
        [(1, "ip", MISSING), (2, "ip", MISSING), (3, "ts", MISSING)],
    ),
    Quarantine(
        "empty optional value is NULL",
        "logins",
        csv_bytes(LOGINS, login("L1", user_agent='""')),
        1,
        check=expect("SELECT user_agent IS NULL FROM logins", [True]),
    ),
    Quarantine(
        "duplicate keys keep the first",
        "logins",
        csv_bytes(LOGINS, GOOD, login("L1", ip=PLANTED), login("L2"), login("L1")),
        4,
        [(2, "login_id", "duplicate primary key"), (4, "login_id", "duplicate primary key")],
        expect("SELECT ip FROM logins", ["10.0.0.1", "10.0.0.1"]),
    ),
    Quarantine(
        "duplicate of a quarantined row loads",
        "logins",
        csv_bytes(LOGINS, login("L1", PLANTED), login("L1", ip="10.0.0.2")),
        2,
        [(1, "ts", BAD_TS)],
        expect("SELECT ip FROM logins", ["10.0.0.2"]),
    ),
    Quarantine(
        "NUL byte",
        "logins",
        csv_bytes(LOGINS, login("L1", ip=f"10.0.0.1\x00{PLANTED}")),
        1,
        [(1, "ip", "contains a NUL byte")],
    ),
    Quarantine(
        "field over 16 MiB",
        "logins",
        csv_bytes(LOGINS, GOOD, login("L2", user_agent=HUGE), login("L3")),
        3,
        [(2, None, "a field is longer than 16 MiB")],
    ),
    Quarantine(
        # The reader stops inside the long field: the rest of its record, a quoted field
        # over two lines, is passed over, not read as records of its own.
        "field over 16 MiB in a record that goes on over two lines",
        "logins",
        csv_bytes(LOGINS, GOOD, login("L2", user_agent=HUGE, referrer='"a\nb"'), login("L3")),
        3,
        [(2, None, "a field is longer than 16 MiB")],
        expect("SELECT login_id FROM logins", ["L1", "L3"]),
    ),
    Quarantine(
        "field over 16 MiB, then lines that open and close quotes of their own",
        "logins",
        csv_bytes(LOGINS, login("L1", user_agent=HUGE, referrer='"x\nL9,,,,"'), login("L2")),
        2,
        [(1, None, "a field is longer than 16 MiB")],
        expect("SELECT login_id FROM logins", ["L2"]),
    ),
    Quarantine(
        # A quote inside an unquoted field is text, to the reader and to the skip alike.
        "field over 16 MiB beside a quote in an unquoted field, then records with quotes",
        "logins",
        csv_bytes(
            LOGINS,
            login("L1", user_agent=HUGE, referrer='he said 5" tall'),
            login("L2"),
            login("L3", referrer='x"y'),
            login("L4", user_agent='A"' + HUGE),
            login("L5"),
        ),
        5,
        [(1, None, "a field is longer than 16 MiB"), (4, None, "a field is longer than 16 MiB")],
        expect("SELECT login_id FROM logins", ["L2", "L3", "L5"]),
    ),
    Quarantine(
        "field over 16 MiB in bytes, not in characters",
        "logins",
        csv_bytes(LOGINS, login("L1", user_agent="\u00e9" * (8 * 2**20 + 1)), login("L2")),
        2,
        [(1, None, "a field is longer than 16 MiB")],
        expect("SELECT login_id FROM logins", ["L2"]),
    ),
    Quarantine(
        "field of 1 MiB loads",
        "logins",
        csv_bytes(LOGINS, login("L1", user_agent="y" * 2**20)),
        1,
        check=expect("SELECT length(user_agent) FROM logins", [2**20]),
    ),
    Quarantine(
        "non-UTF-8 bytes",
        "logins",
        csv_bytes(LOGINS, GOOD).replace(b"10.0.0.1", b"10.0.0.1\xff") + csv_bytes(login("L2")),
        2,
        [(1, None, "not valid UTF-8")],
    ),
    Quarantine(
        "extra columns kept as text",
        "logins",
        csv_bytes(LOGINS + ",region,rowid,_row,_problems", GOOD + ",north,a,b,c"),
        1,
        check=expect("SELECT region || rowid || _row || _problems FROM logins", ["northabc"]),
    ),
    Quarantine(
        "enum is exact lowercase",
        "usage_events",
        csv_bytes(
            "event_id,ts,user_id,product,event_type",
            "E1,2026-01-05T09:00:00Z,U1,Local_Insight,page_view",
            "E2,2026-01-05T09:00:00Z,U1, local_insight,page_view",
            "E3,2026-01-05T09:00:00Z,U1,value_insight,page_view",
        ),
        3,
        [(1, "product", NOT_ENUM), (2, "product", NOT_ENUM)],
    ),
    Quarantine(
        "closed without closed_at",
        "organisations",
        csv_bytes(
            "org_id,name,product,status,created_at,subscription_start,closed_at,last_contact_at",
            "O1,Acme,local_insight,active,2026-01-05T09:00:00Z,,,",
            "O2,Beta,local_insight,closed,2026-01-05T09:00:00Z,,,",
            "O3,Gamma,value_insight,trial,2026-01-05T09:00:00Z,,,",
        ),
        3,
        [
            (2, "closed_at", "missing value (required when status is closed)"),
            (3, "last_contact_at", "missing value (required when status is demo/trial)"),
        ],
    ),
    Quarantine(
        "completed request without completed_at",
        "subject_requests",
        csv_bytes(
            "request_id,received_at,requester_email,user_id,type,status,completed_at,extended",
            f"R1,2026-01-05T09:00:00Z,{PLANTED},U1,erasure,completed,,maybe",
        ),
        1,
        [
            (1, "completed_at", "missing value (required when status is completed)"),
            (1, "extended", "not true/false/1/0"),
        ],
    ),
    Quarantine(
        "clarification received before it was asked for",
        "subject_requests",
        csv_bytes(
            f"{REQUESTS},clarification_requested_at,clarification_received_at",
            f"{request('R1')},2026-01-10T09:00:00Z,2026-01-10T08:59:59Z",
            f"{request('R2')},2026-01-10T09:00:00Z,2026-01-10T09:00:00Z",  # same instant
            f"{request('R3')},2026-01-10T09:00:00Z,",  # still waiting
            f"{request('R4')},,2026-01-10T09:00:00Z",  # never asked: nothing to compare
            f"{request('R5')},2026-01-10T10:00:00+01:00,2026-01-10T09:30:00Z",  # after
            f"{request('R6')},2026-01-10T11:00:00+01:00,2026-01-10T09:30:00Z",  # before
        ),
        6,
        [
            (1, "clarification_received_at", "before clarification_requested_at"),
            (6, "clarification_received_at", "before clarification_requested_at"),
        ],
        expect("SELECT request_id FROM subject_requests", ["R2", "R3", "R4", "R5"]),
    ),
    Quarantine(
        "naive clarification times are read in the manifest's zone before comparing",
        "subject_requests",
        csv_bytes(
            f"{REQUESTS},clarification_requested_at,clarification_received_at",
            f"{request('R1')},2026-07-10T09:00:00,2026-07-10T08:30:00Z",  # 08:00Z asked
        ),
        1,
        check=expect("SELECT request_id FROM subject_requests", ["R1"]),
        timezone="Europe/London",
    ),
    Quarantine(
        "a repeated email, trimmed and lower-cased, keeps the first",
        "users",
        csv_bytes(
            USERS,
            user("U1", "ann@example.org"),
            user("U2", " ANN@Example.ORG "),
            user("U3", "bob@example.org"),
            user("U4", "Ann@example.org"),
            user("U5", f"{PLANTED}@example.org"),
            user("U6", f"{PLANTED.upper()}@EXAMPLE.ORG"),
        ),
        6,
        [
            (2, "email", DUPLICATE_EMAIL),
            (4, "email", DUPLICATE_EMAIL),
            (6, "email", DUPLICATE_EMAIL),
        ],
        expect("SELECT user_id FROM users", ["U1", "U3", "U5"]),
    ),
    Quarantine(
        # Plain ASCII addresses, no spaces: a small table's quick check tells them apart.
        "a repeated ASCII email in other capitals keeps the first",
        "users",
        csv_bytes(
            USERS,
            user("U1", "ann@example.org"),
            user("U2", "bob@example.org"),
            user("U3", "ANN@example.org"),
        ),
        3,
        [(3, "email", DUPLICATE_EMAIL)],
        expect("SELECT user_id FROM users", ["U1", "U2"]),
    ),
    Quarantine(
        # The snapshot format's test, no wider: a pack by address still finds both
        # accounts of two spellings (`emails.email_key`), but neither row is dropped.
        "only an email repeated once trimmed and lower-cased is quarantined",
        "users",
        csv_bytes(
            USERS,
            user("U1", "Jos\u00e9@example.org"),  # é composed (NFC)
            user("U2", "JOSE\u0301@EXAMPLE.ORG"),  # É decomposed (NFD): another text
            user("U3", "stra\u00dfe@example.org"),
            user("U4", "STRA\u1e9eE@example.org"),  # capital ẞ lower-cases to ß
            user("U5", "\uff41\uff4e\uff4e@\uff45\uff58.\uff4f\uff52\uff47"),  # full-width
            user("U6", "a\u200bnn@ex.org"),  # a zero-width space is not white space
            user("U7", "a nn@ex.org"),  # a space inside is not trimmed
            user("U8", "ann@ex.org"),
            user("U9", "\u00a0ANN@EX.ORG\u3000"),  # white space at the ends is
            user("U10", "ann+news@ex.org"),  # a sub-address is another address
            user("U11", "\u0131@example.org"),  # the dotless ı is not i
            user("U12", "i@example.org"),
            user("U13", "strasse@example.org"),  # ss is not ß: another address
        ),
        13,
        [(4, "email", DUPLICATE_EMAIL), (9, "email", DUPLICATE_EMAIL)],
        expect(
            "SELECT user_id FROM users",
            ["U1", "U2", "U3", "U5", "U6", "U7", "U8", "U10", "U11", "U12", "U13"],
        ),
    ),
    Quarantine(
        "missing emails are quarantined; blank ones are one address once trimmed",
        "users",
        csv_bytes(
            USERS,
            user("U1", ""),
            user("U2", '""'),
            user("U3", "   "),
            user("U4", " "),
            user("U5", "\t"),
        ),
        5,
        [
            (1, "email", MISSING),
            (2, "email", MISSING),
            (4, "email", DUPLICATE_EMAIL),
            (5, "email", DUPLICATE_EMAIL),
        ],
        expect("SELECT user_id FROM users", ["U3"]),
    ),
    Quarantine(
        "blank emails alone: the second repeats the first",  # no other problem in the table
        "users",
        csv_bytes(USERS, user("U1", "   "), user("U2", " ")),
        2,
        [(2, "email", DUPLICATE_EMAIL)],
        expect("SELECT user_id FROM users", ["U1"]),
    ),
    Quarantine(
        "the email of a quarantined row is free; a repeated key is one reject",
        "users",
        csv_bytes(
            USERS,
            user("U1", "ann@example.org", created_at="yesterday"),
            user("U2", "ann@example.org"),
            user("U2", "ANN@example.org"),
            user("U3", "ann@example.org "),
        ),
        4,
        [
            (1, "created_at", BAD_TS),
            (3, "user_id", "duplicate primary key"),
            (4, "email", DUPLICATE_EMAIL),
        ],
        expect("SELECT user_id FROM users", ["U2"]),
    ),
    Quarantine(
        "an export written twice: each repeat is one reject for its key",
        "users",
        csv_bytes(
            USERS,
            user("U1", "ann@example.org"),
            user("U2", "bob@example.org"),
            user("U1", "ann@example.org"),
            user("U2", "BOB@example.org"),
            user("U3", "Ann@example.org"),  # another key with U1's address
        ),
        5,
        [
            (3, "user_id", "duplicate primary key"),
            (4, "user_id", "duplicate primary key"),
            (5, "email", DUPLICATE_EMAIL),
        ],
        expect("SELECT user_id FROM users", ["U1", "U2"]),
    ),
    Quarantine(
        "the key of a row quarantined for its email is free, in a chain of such rows",
        "users",
        csv_bytes(
            USERS,
            user("U1", "ann@example.org"),
            user("U2", "Ann@example.org"),  # repeats U1's address: takes no key
            user("U2", "bob@example.org"),  # the first U2 to load
            user("U3", "BOB@example.org"),  # repeats the kept U2's address
            user("U3", "cy@example.org"),
            user("U2", "dee@example.org"),  # repeats the kept U2's key: takes no address
            user("U4", "dee@example.org"),
        ),
        7,
        [
            (2, "email", DUPLICATE_EMAIL),
            (4, "email", DUPLICATE_EMAIL),
            (6, "user_id", "duplicate primary key"),
        ],
        expect(
            "SELECT user_id || ' ' || email FROM users",
            ["U1 ann@example.org", "U2 bob@example.org", "U3 cy@example.org", "U4 dee@example.org"],
        ),
    ),
    Quarantine(
        "bad dates",
        "processors",
        csv_bytes(
            "processor_id,name,service,data_categories,contract_start,"
            "assessment_date,last_review_date",
            "P1,H,hosting,name,2026-02-30,,",
            "P2,H,hosting,name,01/02/2026,,",
            "P3,H,hosting,name,2026-01-01,0000-01-01,",
            "P4,H,hosting,name,2026-01-01,,",
        ),
        4,
        [
            (1, "contract_start", "not a valid date"),
            (2, "contract_start", "not a YYYY-MM-DD date"),
            (3, "assessment_date", "not a valid date"),
        ],
    ),
    Quarantine(
        "orphan foreign key loads",
        "logins",
        csv_bytes(LOGINS, login("L1").replace("U1", "U404")),
        1,
        check=orphan_reported,
    ),
    Quarantine(
        "credential column never loaded",
        "users",
        csv_bytes(
            "user_id,org_id,name,email,telephone,role,created_at,deleted_at,password_hash",
            f"U1,O1,Ann,ann@example.org,,user,2026-01-05T09:00:00Z,,{PLANTED}",
        ),
        1,
        check=credentials_left_out,
    ),
]


@pytest.mark.parametrize("case", QUARANTINES, ids=lambda case: case.id)
def test_quarantined_row_by_row(tmp_path: Path, case: Quarantine) -> None:
    folder = valid_snapshot(tmp_path / "snapshot", timezone=case.timezone)
    replace_file(folder, case.table, case.content, case.records)
    snapshot = load_snapshot(folder)
    assert_all_rows_accounted(snapshot)
    assert snapshot.loads[case.table].rows_in_file == case.records
    assert rejects_of(snapshot) == [(case.table, *reject) for reject in case.rejects]
    report = validation_report(snapshot)
    assert PLANTED not in json.dumps(report) + render_table(report)
    if case.check:
        case.check(snapshot)


def write_parquet(folder: Path, table: str, data: pa.Table) -> None:
    """Swap `<table>.csv` for a Parquet file, with its manifest entry."""
    (folder / f"{table}.csv").unlink()
    pq.write_table(data, folder / f"{table}.parquet")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["tables"][table] = {
        "file": f"{table}.parquet",
        "rows": data.num_rows,
        "sha256": sha256_file(folder / f"{table}.parquet"),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


NOT_UTF8 = "not valid UTF-8"


def not_utf8(values: list[bytes]) -> pa.Array:
    """A Parquet text column holding bytes that need not be UTF-8 (pyarrow writes them
    as asked)."""
    return pa.array(values, pa.binary()).view(pa.string())


def logins_table(**columns: pa.Array) -> pa.Table:
    n = len(next(iter(columns.values())))
    base = {
        "login_id": pa.array([f"L{i}" for i in range(1, n + 1)]),
        "ts": pa.array(["2026-01-05T09:00:00Z"] * n),
        "user_id": pa.array(["U1"] * n),
        "success": pa.array([True] * n),
        "ip": pa.array(["10.0.0.1"] * n),
        "user_agent": pa.array([None] * n, pa.string()),
        "referrer": pa.array([None] * n, pa.string()),
    }
    return pa.table(base | columns)


PARQUET = [
    (
        "naive timestamps read in the manifest zone",
        logins_table(
            ts=pa.array([datetime(2026, 7, 1, 10), datetime(2026, 1, 15, 10)], pa.timestamp("us"))
        ),
        [],
        expect("SELECT ts FROM logins", [utc(2026, 7, 1, 9), utc(2026, 1, 15, 10)]),
    ),
    (
        "zone-aware timestamps keep their instant",
        logins_table(
            ts=pa.array([datetime(2026, 7, 1, 10, tzinfo=UTC)] * 2, pa.timestamp("ns", "UTC"))
        ),
        [],
        expect("SELECT ts FROM logins", [utc(2026, 7, 1, 10)] * 2),
    ),
    (
        "text timestamps are parsed like CSV",
        logins_table(ts=pa.array(["2026-07-01T10:00:00+01:00", PLANTED])),
        [(2, "ts", BAD_TS)],
        expect("SELECT ts FROM logins", [utc(2026, 7, 1, 9)]),
    ),
    (
        "an extra timestamp column is ISO 8601 text, an instant in UTC",
        logins_table(
            seen_at=pa.array([datetime(2026, 3, 1, 8, 15, tzinfo=UTC)], pa.timestamp("us", "UTC")),
            noted_at=pa.array([datetime(2026, 3, 1, 8, 15, 0, 500000)], pa.timestamp("ns")),
        ),
        [],
        expect(
            "SELECT seen_at || ' ' || noted_at FROM logins",
            ["2026-03-01T08:15:00Z 2026-03-01T08:15:00.5"],
        ),
    ),
    (
        "an integer in a text column is its text",
        logins_table(referrer=pa.array([447911123456, None], pa.int64())),
        [],
        expect("SELECT referrer FROM logins", ["447911123456", None]),
    ),
    (
        "integer booleans",
        logins_table(success=pa.array([1, 0, 2], pa.int8())),
        [(3, "success", "not true/false/1/0")],
        expect("SELECT success FROM logins", [True, False]),
    ),
    (
        "a column of nulls only",
        logins_table(user_agent=pa.array([None], pa.null())),
        [],
        expect("SELECT user_agent FROM logins", [None]),
    ),
    (
        "empty text in a required column",
        logins_table(ip=pa.array(["", "10.0.0.2"])),
        [(1, "ip", MISSING)],
        None,
    ),
    (
        "an extra column named as DuckDB's record index is kept, records still numbered",
        logins_table(
            ts=pa.array(["2026-07-01T10:00:00+01:00", PLANTED]),
            file_row_number=pa.array(["first", "second"]),
        ),
        [(2, "ts", BAD_TS)],
        expect("SELECT login_id || '/' || file_row_number FROM logins", ["L1/first"]),
    ),
    (
        "text that is not UTF-8 quarantines its record alone, naming the column",
        logins_table(ip=not_utf8([b"10.0.0.1", PLANTED.encode() + b"\xff", b"10.0.0.3"])),
        [(2, "ip", NOT_UTF8)],
        expect("SELECT login_id || ' ' || ip FROM logins", ["L1 10.0.0.1", "L3 10.0.0.3"]),
    ),
    (
        "... dictionary-encoded, in an extra column",
        logins_table(note=not_utf8([PLANTED.encode() + b"\xfe", b"kept"]).dictionary_encode()),
        [(1, "note", NOT_UTF8)],
        expect("SELECT login_id || ' ' || note FROM logins", ["L2 kept"]),
    ),
    (
        "an instant in milliseconds too far off for DuckDB is not an ISO 8601 timestamp",
        logins_table(ts=pa.array([1767603600000, 9999999999999999], pa.timestamp("ms", "UTC"))),
        [(2, "ts", BAD_TS)],
        expect("SELECT ts FROM logins", [utc(2026, 1, 5, 9)]),
    ),
    (
        "... a naive time in seconds, before the first DuckDB holds, in the manifest zone",
        logins_table(ts=pa.array([-9223372036854775, 1767603600, None], pa.timestamp("s"))),
        [(1, "ts", BAD_TS), (3, "ts", MISSING)],
        expect("SELECT ts FROM logins", [utc(2026, 1, 5, 9)]),
    ),
    (
        "... both, with a column named as DuckDB's record index",
        logins_table(
            ts=pa.array([-(2**62), 1767603600000, 1767603600000], pa.timestamp("ms", "UTC")),
            ip=not_utf8([b"10.0.0.1", b"10.0.0.2", b"\xff"]),
            file_row_number=pa.array(["first", "second", "third"]),
        ),
        [(1, "ts", BAD_TS), (3, "ip", NOT_UTF8)],
        expect("SELECT login_id || '/' || file_row_number FROM logins", ["L2/second"]),
    ),
    (
        "... and beside it one named as DuckDB's row id, typed as the records are",
        logins_table(
            ts=pa.array([PLANTED, "2026-07-01T10:00:00+01:00", PLANTED]),
            file_row_number=pa.array(["first", "second", "third"]),
            rowid=pa.array(["x", "y", "z"]),
        ),
        [(1, "ts", BAD_TS), (3, "ts", BAD_TS)],
        expect("SELECT login_id || '/' || rowid FROM logins", ["L2/y"]),
    ),
]


@pytest.mark.parametrize(
    ("data", "rejects", "check"), [c[1:] for c in PARQUET], ids=[c[0] for c in PARQUET]
)
def test_parquet_mixed_with_csv(tmp_path: Path, data: pa.Table, rejects: list, check: Any) -> None:
    folder = valid_snapshot(tmp_path / "snapshot", timezone="Europe/London")
    write_parquet(folder, "logins", data)
    snapshot = load_snapshot(folder)
    assert_all_rows_accounted(snapshot)
    assert snapshot.loads["logins"].file == "logins.parquet"
    assert rejects_of(snapshot) == [("logins", *reject) for reject in rejects]
    assert PLANTED not in json.dumps(validation_report(snapshot))
    if check:
        check(snapshot)


def test_a_parquet_dataset_s_text_that_is_not_utf8_costs_its_record_alone(
    tmp_path: Path,
) -> None:
    folder = valid_snapshot(tmp_path / "snapshot")
    (folder / "deidentified").mkdir()
    region = not_utf8([b"North", PLANTED.encode() + b"\xff"])
    pq.write_table(
        pa.table({"region": region, "n_users": [12, 30]}), folder / "deidentified" / "usage.parquet"
    )
    snapshot = load_snapshot(folder)
    assert_all_rows_accounted(snapshot)
    assert rejects_of(snapshot) == [("deidentified/usage", 2, "region", NOT_UTF8)]
    assert column(snapshot, 'SELECT region FROM "deidentified__usage"') == ["North"]
    no_planted_value_anywhere(snapshot)


def test_parquet_values_duckdb_cannot_read_are_quarantined_by_the_command_line(
    tmp_path: Path,
) -> None:
    """An instant in milliseconds past what DuckDB holds, and a name that is not UTF-8:
    `validate` names each row and column (never the value), and every other row loads."""
    folder = valid_snapshot(tmp_path / "snapshot")
    ms = pa.timestamp("ms", tz="UTC")
    users = pa.table(
        {
            "user_id": ["U1", "U2", "U3"],
            "org_id": ["O1"] * 3,
            "name": not_utf8([b"Ann", PLANTED.encode() + b"\xff", b"Bob"]),
            "email": ["a@example.org", "b@example.org", "c@example.org"],
            "telephone": pa.array([None] * 3, pa.string()),
            "role": ["user", "group_admin", "user"],
            "created_at": pa.array([1736035200000] * 3, ms),
            "deleted_at": pa.array([None, None, 9999999999999999], ms),
        }
    )
    write_parquet(folder, "users", users)
    for command in ("validate", "ingest"):
        result = run_cli(command, folder)
        assert result.returncode == (1 if command == "validate" else 0), result.stderr
        assert PLANTED not in result.stdout + result.stderr
    assert "users row 2, column name: not valid UTF-8" in run_cli("validate", folder).stdout
    snapshot = load_snapshot(folder)
    assert rejects_of(snapshot) == [
        ("users", 2, "name", NOT_UTF8),
        ("users", 3, "deleted_at", BAD_TS),
    ]
    assert column(snapshot, "SELECT user_id FROM users") == ["U1"]


def test_parquet_column_names_are_trimmed_as_a_csv_header_s_are(tmp_path: Path) -> None:
    folder = valid_snapshot(tmp_path / "snapshot")
    data = logins_table(ts=pa.array(["2026-07-01T10:00:00Z"]))
    write_parquet(folder, "logins", data.rename_columns([f" {n}\t" for n in data.column_names]))
    snapshot = load_snapshot(folder)
    assert column(snapshot, "SELECT login_id || ' ' || ip FROM logins") == ["L1 10.0.0.1"]
    snapshot.con.close()
    other = valid_snapshot(tmp_path / "other")
    write_parquet(other, "logins", data.append_column("ip ", pa.array(["10.0.0.9"])))
    with pytest.raises(InputError, match="columns 5 and 8 have the same name"):
        load_snapshot(other)


def test_a_parquet_column_name_written_twice_is_named_by_its_positions(tmp_path: Path) -> None:
    """pyarrow writes a file with two columns of one name: the file is readable, and
    the refusal names both positions, for the loader and for `manifest` alike."""
    folder = valid_snapshot(tmp_path / "snapshot")
    data = logins_table(ts=pa.array(["2026-07-01T10:00:00Z"]))
    write_parquet(folder, "logins", data.append_column("ip", pa.array(["10.0.0.9"])))
    with pytest.raises(InputError, match=r"logins\.parquet: columns 5 and 8 have the same name"):
        load_snapshot(folder)
    (folder / "manifest.json").unlink()
    result = run_cli("manifest", folder, "--exported-at", "2026-11-28T02:00:00Z")
    assert result.returncode == 2
    assert "logins.parquet: columns 5 and 8 have the same name" in result.stderr


def test_a_credential_nested_in_a_parquet_column_keeps_that_column_out(tmp_path: Path) -> None:
    """A struct's field or a list's element named like credential material makes its
    column credential material whole: not loaded, not in a subject-access pack, and a
    SEC-001 finding naming the field by its path."""
    from insight_workbench.policy import load_policy
    from insight_workbench.rules.runner import run_check
    from insight_workbench.subject_requests.pack import build_pack, pack_files

    folder = valid_snapshot(tmp_path / "snapshot")
    user = VALID["users"][0]
    users = pa.table(
        {
            **{name: pa.array([value]) for name, value in user.items()},
            "telephone": pa.array([None], pa.string()),
            "deleted_at": pa.array([None], pa.string()),
            "auth": pa.array([{"password_hash": PLANTED, "note": "kept out too"}]),
            "keys": pa.array([[{"Api_Token": PLANTED}]]),
            "profile": pa.array([{"city": "Leeds"}]),  # nothing credential: loaded
        }
    )
    write_parquet(folder, "users", users)
    dataset = pa.table({"region": ["North"], "n_users": [12], "meta": [{"secret": PLANTED}]})
    (folder / "deidentified").mkdir()
    pq.write_table(dataset, folder / "deidentified" / "usage.parquet")
    snapshot = load_snapshot(folder)
    assert snapshot.credential_columns == [
        ("users", "auth.password_hash"),
        ("users", "keys.list.element.Api_Token"),
        ("deidentified/usage", "meta.secret"),
    ]
    columns = [row[0] for row in snapshot.con.execute("DESCRIBE users").fetchall()]
    assert {"auth", "keys"}.isdisjoint(columns)
    assert "profile" in columns
    findings = run_check(snapshot, load_policy(), prefixes=["SEC"]).findings
    assert [f.key for f in findings] == [
        "column:deidentified/usage:meta.secret",
        "column:users:auth.password_hash",
        "column:users:keys.list.element.Api_Token",
    ]
    files = pack_files(build_pack(snapshot, user_id="U1"))
    assert PLANTED.encode() not in b"".join(files.values())
    assert b"Leeds" in b"".join(files.values())


def test_parquet_nanoseconds_are_cut_to_the_microsecond_not_rounded(tmp_path: Path) -> None:
    """As a longer fraction in text is: rounding the last nanosecond of a day up would
    move the instant into the next day."""
    folder = valid_snapshot(tmp_path / "snapshot")
    last = 1_772_409_599_999_999_999  # 2026-03-01T23:59:59.999999999Z, in nanoseconds
    instants = pa.array([last, last], pa.timestamp("ns", "UTC"))
    write_parquet(folder, "logins", logins_table(ts=instants))
    snapshot = load_snapshot(folder)
    assert_all_rows_accounted(snapshot)
    assert column(snapshot, "SELECT ts FROM logins") == [utc(2026, 3, 1, 23, 59, 59, 999999)] * 2


@pytest.mark.parametrize("clean_otherwise", [True, False])
def test_a_parquet_field_over_the_bound_is_quarantined_without_its_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_otherwise: bool
) -> None:
    """As a CSV field over INSIGHT_MAX_FIELD_BYTES is (the small-table path and the
    general one both)."""
    monkeypatch.setenv("INSIGHT_MAX_FIELD_BYTES", "100")
    folder = valid_snapshot(tmp_path / "snapshot")
    ts = ["2026-01-05T09:00:00Z", "2026-01-05T09:00:00Z" if clean_otherwise else "soon"]
    # 100 bytes is the bound, kept; the long one has a NUL byte besides
    agents = pa.array(["x" * 100, PLANTED * 10 + "\x00"])
    write_parquet(folder, "logins", logins_table(ts=pa.array(ts), user_agent=agents))
    snapshot = load_snapshot(folder)
    assert_all_rows_accounted(snapshot)
    too_long = ("logins", 2, "user_agent", "a field is longer than 100 bytes")
    assert too_long in rejects_of(snapshot)
    assert column(snapshot, "SELECT login_id FROM logins") == ["L1"]
    assert PLANTED not in json.dumps(validation_report(snapshot))
    kept = column(snapshot, "SELECT value FROM rejects WHERE column_name = 'user_agent'")
    assert kept == [None, None]  # not for either reason


def test_a_partition_like_cache_path_adds_no_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB reads `k=1` in a path as a partition column unless told not to."""
    monkeypatch.setenv("INSIGHT_CACHE_DIR", str(tmp_path / "k=1" / "cache"))
    folder = valid_snapshot(tmp_path / "snapshot")
    write_parquet(folder, "logins", logins_table(ip=pa.array(["10.0.0.1"])))
    snapshot = load_snapshot(folder)
    for table in ("logins", "users"):  # from Parquet and from CSV
        names = [row[0] for row in snapshot.cursor().execute(f"DESCRIBE {table}").fetchall()]
        assert "k" not in names
        assert "file_row_number" not in names
    assert not snapshot.cursor().execute("FROM extra_columns").fetchall()


def test_broken_deidentified_record_is_quarantined(tmp_path: Path) -> None:
    folder = valid_snapshot(
        tmp_path / "snapshot",
        deidentified={
            "agg": (
                [{"month": "2026-01", "active_users": "12", "api_token": PLANTED}],
                {"kind": "aggregate", "count_columns": ["active_users"]},
            )
        },
    )
    path = folder / "deidentified" / "agg.csv"
    path.write_bytes(path.read_bytes() + csv_bytes(f"2026-02,{PLANTED}"))
    set_manifest(folder, {"deidentified/agg": 2})
    snapshot = load_snapshot(folder)
    assert_all_rows_accounted(snapshot)
    assert rejects_of(snapshot) == [("deidentified/agg", 2, None, "has 2 fields, the header has 3")]
    assert snapshot.credential_columns == [("deidentified/agg", "api_token")]
    [dataset] = snapshot.deidentified
    assert dataset.columns == ("month", "active_users")
    assert dataset.meta == {"kind": "aggregate", "count_columns": ["active_users"]}
    no_planted_value_anywhere(snapshot)


def test_thousands_of_broken_records_each_quarantined_in_file_order(tmp_path: Path) -> None:
    """More broken records than one insert of quarantined rows holds: every one is
    recorded with its own row number, and the good records between them load in order."""
    records = 2_500
    lines = [
        login(f"L{n}") if n % 2 else f"L{n},2026-01-05T09:00:00Z" for n in range(1, records + 1)
    ]
    folder = valid_snapshot(tmp_path / "snapshot")
    replace_file(folder, "logins", csv_bytes(LOGINS, *lines), records)
    snapshot = load_snapshot(folder)
    assert_all_rows_accounted(snapshot)
    assert rejects_of(snapshot) == [
        ("logins", n, None, "has 2 fields, the header has 7") for n in range(2, records + 1, 2)
    ]
    loaded = column(snapshot, "SELECT login_id FROM logins ORDER BY rowid")
    assert loaded == [f"L{n}" for n in range(1, records + 1, 2)]


# ---- refusals: the real console script, exit 2, one line naming the culprit ----


def edit_manifest(change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        path = folder / "manifest.json"
        document = json.loads(path.read_text(encoding="utf-8"))
        change(document)
        path.write_text(json.dumps(document), encoding="utf-8")

    return apply


def rewrite(table: str, content: bytes, records: int = 1) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        replace_file(folder, table, content, records)

    return apply


def truncate_logins(folder: Path) -> None:
    replace_file(folder, "logins", csv_bytes(LOGINS, GOOD, login("L2", ip=PLANTED)), 2)
    path = folder / "logins.csv"
    path.write_bytes(path.read_bytes()[:-12])  # the export was cut short


def add_parquet_twin(folder: Path) -> None:
    pq.write_table(logins_table(ip=pa.array([PLANTED])), folder / "logins.parquet")


def parquet_logins(data: pa.Table) -> Callable[[Path], None]:
    return lambda folder: write_parquet(folder, "logins", data)


def parquet_repeated_name(folder: Path) -> None:
    """`IP` after `ip`: DuckDB would read it as `IP_1` and load the first under `ip`."""
    data = logins_table(ip=pa.array([PLANTED])).append_column("IP", pa.array(["10.0.0.9"]))
    write_parquet(folder, "logins", data)


def parquet_nested_text_not_utf8(folder: Path) -> None:
    """Text that is not UTF-8 inside a struct: the careful reading takes only text and
    timestamps at the top level, so the file is refused, naming the column."""
    notes = pa.StructArray.from_arrays([not_utf8([PLANTED.encode(), b"\xff\xfe"])], ["note"])
    write_parquet(folder, "logins", logins_table(ip=pa.array([PLANTED, "10.0.0.2"]), meta=notes))


def garbage_parquet(folder: Path) -> None:
    write_parquet(folder, "logins", logins_table(ip=pa.array([PLANTED])))
    (folder / "logins.parquet").write_bytes(b"PAR1" + PLANTED.encode() * 10)
    set_manifest(folder)


def with_dataset(meta: bytes) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        valid_snapshot(folder, deidentified={"agg": ([{"month": "2026-01", "n": "12"}], None)})
        (folder / "deidentified" / "agg.meta.json").write_bytes(meta)

    return apply


def empty_dataset(folder: Path) -> None:
    valid_snapshot(folder, deidentified={"agg": ([{"month": "2026-01", "n": "12"}], None)})
    (folder / "deidentified" / "agg.csv").write_bytes(b"")
    set_manifest(folder, {"deidentified/agg": 0})


def drop_table(folder: Path) -> None:
    (folder / "users.csv").unlink()
    edit_manifest(lambda m: m["tables"].pop("users"))(folder)


def move_optional_table(folder: Path) -> None:
    """admin_views is optional: its file under another name must not read as absent."""
    columns = [c.name for c in TABLES["admin_views"].columns]
    (folder / "admin_views_2026.csv").write_text(",".join(columns) + "\n", encoding="utf-8")
    listed = {"file": "admin_views_2026.csv", "rows": 0, "sha256": "0" * 64}
    edit_manifest(lambda m: m["tables"].update(admin_views=listed))(folder)


def move_listed_dataset(folder: Path) -> None:
    with_dataset(b'{"kind": "aggregate"}')(folder)
    (folder / "deidentified" / "sub").mkdir()
    (folder / "deidentified" / "agg.csv").rename(folder / "deidentified" / "sub" / "agg.csv")
    (folder / "deidentified" / "agg.meta.json").unlink()
    moved = "deidentified/sub/agg.csv"
    edit_manifest(lambda m: m["tables"]["deidentified/agg"].update(file=moved))(folder)


def upper_case_suffix(relative: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        with_dataset(b'{"kind": "aggregate"}')(folder)
        columns = [c.name for c in TABLES["admin_views"].columns]
        (folder / "admin_views.csv").write_text(",".join(columns) + "\n", encoding="utf-8")
        (folder / relative.lower()).rename(folder / relative)

    return apply


def rename_listed_file(folder: Path) -> None:
    (folder / "logins_v2.csv").write_bytes((folder / "logins.csv").read_bytes())
    edit_manifest(lambda m: m["tables"]["logins"].update(file="logins_v2.csv"))(folder)


def not_a_folder(folder: Path) -> None:
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    folder.write_text("not a folder", encoding="utf-8")


REFUSALS: list[tuple[str, Callable[[Path], None], tuple[str, ...]]] = [
    ("missing manifest", lambda f: (f / "manifest.json").unlink(), ("manifest.json", "missing")),
    (
        "manifest not JSON",
        lambda f: (f / "manifest.json").write_text("{"),
        ("manifest.json", "JSON"),
    ),
    (
        "manifest with a number longer than Python reads",
        lambda f: (f / "manifest.json").write_text('{"note": ' + "9" * 5000 + "}"),
        ("manifest.json", "a number too long to read"),
    ),
    (
        "sidecar with a number longer than Python reads",
        with_dataset(b'{"kind": "aggregate", "n": ' + b"9" * 5000 + b"}"),
        ("deidentified/agg.meta.json", "a number too long to read"),
    ),
    ("manifest tables not an object", edit_manifest(lambda m: m.update(tables=[])), ("'tables'",)),
    (
        "table not listed",
        edit_manifest(lambda m: m["tables"].pop("users")),
        ("'users'", "not listed"),
    ),
    ("required table missing", drop_table, ("users.csv", "missing")),
    (
        "listed file missing",
        edit_manifest(
            lambda m: m["tables"].update(
                {
                    "deidentified/agg": {
                        "file": "deidentified/agg.csv",
                        "rows": 1,
                        "sha256": "0" * 64,
                    }
                }
            )
        ),
        ("deidentified/agg.csv", "missing"),
    ),
    ("listed file has another name", rename_listed_file, ("logins_v2.csv", "logins.csv")),
    (
        "optional table listed under another name",
        move_optional_table,
        ("'admin_views' lists 'admin_views_2026.csv', which is not its file",),
    ),
    (
        "dataset listed under another name",
        move_listed_dataset,
        ("deidentified/sub: a folder of datasets inside deidentified/",),
    ),
    (
        "an optional table's file in upper case",
        upper_case_suffix("admin_views.CSV"),
        ("admin_views.CSV: an export file's name ends in lower-case .csv or .parquet",),
    ),
    (
        "a dataset's file in upper case",
        upper_case_suffix("deidentified/agg.Csv"),
        ("deidentified/agg.Csv: an export file's name ends in lower-case",),
    ),
    (
        "file outside the folder",
        edit_manifest(lambda m: m["tables"]["logins"].update(file="../logins.csv")),
        ("tables.logins.file",),
    ),
    (
        "bad sha256",
        edit_manifest(lambda m: m["tables"]["logins"].update(sha256="ab" * 32)),
        ("logins", "sha256", "abab"),
    ),
    (
        "malformed sha256",
        edit_manifest(lambda m: m["tables"]["logins"].update(sha256="xyz")),
        ("tables.logins.sha256",),
    ),
    (
        "bad row count",
        edit_manifest(lambda m: m["tables"]["logins"].update(rows=5)),
        ("logins", "has 1 rows", "expects 5"),
    ),
    (
        "negative row count",
        edit_manifest(lambda m: m["tables"]["logins"].update(rows=-1)),
        ("tables.logins.rows",),
    ),
    ("truncated file", truncate_logins, ("logins", "sha256")),
    (
        "unterminated quote swallows rows",
        rewrite(
            "logins",
            csv_bytes(LOGINS, login("L1", user_agent=f'"{PLANTED}'), login("L2"), login("L3")),
            3,
        ),
        ("logins", "has 1 rows", "expects 3"),
    ),
    ("both csv and parquet", add_parquet_twin, ("logins.csv", "logins.parquet")),
    (
        "unknown time zone",
        edit_manifest(lambda m: m.update(timezone="Mars/Olympus")),
        ("'timezone'",),
    ),
    (
        "zone unknown to DuckDB",
        edit_manifest(lambda m: m.update(timezone="localtime")),
        ("'timezone'",),
    ),
    ("missing exported_at", edit_manifest(lambda m: m.pop("exported_at")), ("'exported_at'",)),
    (
        "exported_at not a timestamp",
        edit_manifest(lambda m: m.update(exported_at="last tuesday")),
        ("'exported_at'",),
    ),
    (
        "missing required column",
        rewrite(
            "logins",
            csv_bytes("login_id,ts,user_id,success,user_agent,referrer", f"L1,{PLANTED},U1,true,,"),
        ),
        ("logins.csv", "'ip'"),
    ),
    (
        "missing header row",
        rewrite(
            "users",
            csv_bytes(
                f"U1,O1,{PLANTED},{PLANTED}@x.org,+44 1,user,2026-01-05T09:00:00Z,",
                "U2,O1,B,b,,user,,",
            ),
        ),
        ("users.csv", "is the header row missing?"),
    ),
    (
        "semicolon-separated",
        rewrite("logins", csv_bytes(LOGINS.replace(",", ";"), GOOD.replace(",", ";") + PLANTED)),
        ("logins.csv", "comma-separated"),
    ),
    (
        "duplicate header",
        rewrite("logins", csv_bytes(LOGINS + ",ip", GOOD + f",{PLANTED}")),
        ("logins.csv", "header columns 5 and 8"),
    ),
    (
        "header differing only in case",
        rewrite(
            "users",
            csv_bytes(
                "user_id,org_id,name,email,role,created_at,Email",
                f"U1,O1,Ann,a@example.org,user,2026-01-05T09:00:00Z,{PLANTED}",
            ),
        ),
        ("users.csv", "header columns 4 and 7"),
    ),
    (
        "required column differing only in case",  # named exactly, so still refused
        rewrite(
            "logins",
            csv_bytes(LOGINS.replace("user_id", "USER_ID"), login("L1", ip=PLANTED)),
        ),
        (
            "logins.csv: table 'logins' has no column 'user_id' (header column 3 differs only "
            "in case; column names are matched exactly)",
        ),
    ),
    (
        "every column differing only in case",
        rewrite("logins", csv_bytes(LOGINS.upper(), login("L1", ip=PLANTED))),
        (
            "logins.csv: none of the columns of table 'logins' is in the header (header "
            "column 1 differs only in case from 'login_id'; column names are matched exactly)",
        ),
    ),
    (
        "parquet column differing only in case",
        parquet_logins(
            logins_table(ip=pa.array([PLANTED])).rename_columns(
                ["login_id", "TS", "user_id", "success", "ip", "user_agent", "referrer"]
            )
        ),
        ("logins.parquet: table 'logins' has no column 'ts' (column 2 differs only in case",),
    ),
    (
        "header column without a name",
        rewrite(
            "logins",
            csv_bytes(
                "login_id,ts,,user_id,success,ip,user_agent,referrer", f"L1,x,{PLANTED},U1,true,1,,"
            ),
        ),
        ("logins.csv", "column 3"),
    ),
    ("empty file", rewrite("logins", b"", 0), ("logins.csv", "empty")),
    (
        "header not UTF-8",
        rewrite("logins", b"login_id\xff,ts" + csv_bytes("", PLANTED)),
        ("logins.csv", "UTF-8"),
    ),
    (
        "parquet timestamp stored as integer",
        parquet_logins(logins_table(ts=pa.array([1767603600], pa.int64()), ip=pa.array([PLANTED]))),
        ("logins.parquet", "'ts'", "BIGINT", "timestamp"),
    ),
    (
        "parquet text stored as a float",
        parquet_logins(logins_table(referrer=pa.array([4.5]), ip=pa.array([PLANTED]))),
        ("logins.parquet", "'referrer'", "DOUBLE", "string"),
    ),
    ("parquet unreadable", garbage_parquet, ("logins.parquet", "Parquet")),
    (
        "parquet text not UTF-8 inside a struct",
        parquet_nested_text_not_utf8,
        ("logins.parquet", "column 'meta' cannot be read"),
    ),
    (
        "parquet column named twice",
        parquet_repeated_name,
        ("logins.parquet", "columns 5 and 8 have the same name"),
    ),
    ("sidecar not JSON", with_dataset(b"{kind: aggregate"), ("deidentified/agg.meta.json", "JSON")),
    (
        "sidecar with a bad kind",
        with_dataset(b'{"kind": "tabulation"}'),
        ("deidentified/agg.meta.json", "'kind'"),
    ),
    ("snapshot is not a folder", not_a_folder, ("not a snapshot folder",)),
    # named by its path in the snapshot, as the manifest lists it
    ("dataset empty", empty_dataset, ("deidentified/agg.csv: the file is empty",)),
]


@pytest.mark.parametrize(
    ("breaks", "says"), [c[1:] for c in REFUSALS], ids=[c[0] for c in REFUSALS]
)
def test_refused_with_exit_2(
    tmp_path: Path, breaks: Callable[[Path], None], says: tuple[str, ...]
) -> None:
    folder = valid_snapshot(tmp_path / "snapshot")
    breaks(folder)
    result = run_cli("validate", folder)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    for fragment in says:
        assert fragment in lines[0]
    assert PLANTED not in result.stdout + result.stderr
