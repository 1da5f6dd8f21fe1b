"""The analyst's database: only de-identified tables, pseudonyms, truncated addresses."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from insight_workbench.analyst import vocabulary
from insight_workbench.analyst.database import ANALYST_TABLES, AnalystData, analyst_data, ip_network
from insight_workbench.analyst.pseudonyms import org_pseudonym, pseudonym
from insight_workbench.loading.snapshot import load_snapshot
from insight_workbench.testing import build_snapshot

KEY = b"analyst-test-key-0123456789abcdef"
OTHER = b"analyst-other-key-fedcba9876543210"
ORG = org_pseudonym("O1", KEY)
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)

EXPECTED_COLUMNS = {
    "orgs": [
        "org_pseudonym",
        "product",
        "status",
        "created_month",
        "subscription_start_month",
        "closed_month",
    ],
    "users": ["user_pseudonym", "org_pseudonym", "role", "created_month", "deleted", "user_number"],
    "logins": [
        "ts",
        "success",
        "ip_network",
        "browser_family",
        "os_family",
        "referrer_domain",
        "user_number",
        "org_product",
        "day",
        "london_weekday",
        "london_hour",
        "first_login_month",
    ],
    "usage_events": ["ts", "product", "event_type", "user_number"],
}
# Every person of the small snapshot (U9 has logins but no user row), in user-number order.
PEOPLE = sorted(pseudonym(user, KEY) for user in ("U1", "U2", "U9"))


def _person(number: int | None) -> str | None:
    """The pseudonym behind a log row's user number (None: no account)."""
    return None if number is None else PEOPLE[number]


def _by_person(data: AnalystData, table: str, columns: str) -> list[tuple]:
    """Each row's person (the pseudonym behind its user number), then `columns`, in time
    order."""
    found = _rows(data, f"SELECT user_number, {columns} FROM {table} ORDER BY ts")
    return [(_person(number), *rest) for number, *rest in found]


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("192.0.2.77", "192.0.2.0/24"),
        (" 198.51.100.1 ", "198.51.100.0/24"),
        ("2001:db8:abcd:12:1:2:3:4", "2001:db8:abcd::/48"),
        ("2001:DB8:ABCD::1", "2001:db8:abcd::/48"),
        ("::ffff:203.0.113.9", "203.0.113.0/24"),
        ("::FFFF:cb00:7109", "203.0.113.0/24"),
        # 6to4: 2002:c633:6407::/48 would hold all of 198.51.100.7
        ("2002:c633:6407::1", "198.51.100.0/24"),
        ("2002:C633:6407:1234:5678::9", "198.51.100.0/24"),
        ("[2001:db8:1::5]", "2001:db8:1::/48"),
        ("fe80::1%eth0", "fe80::/48"),
        ("not an address", None),
        ("999.1.1.1", None),
        ("", None),
        (None, None),
    ],
)
def test_ip_network(address, network):
    assert ip_network(address) == network


def _login(n: int, user: str | None, ok: bool, ip: str, referrer: str | None) -> dict:
    return {
        "login_id": f"L{n}",
        "ts": f"2026-11-0{n}T10:00:00Z",
        "user_id": user,
        "success": ok,
        "ip": ip,
        "user_agent": CHROME if n % 2 else None,
        "referrer": referrer,
    }


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_snapshot(
        tmp_path_factory.mktemp("analyst") / "snap",
        {
            "organisations": [
                {
                    "org_id": "O1",
                    "name": "Acme Ltd",
                    "product": "local_insight",
                    "status": "closed",
                    "created_at": "2025-03-04T05:06:07Z",
                    "subscription_start": "2025-04-01",
                    "closed_at": "2026-10-15T00:00:00Z",
                },
            ],
            "users": [
                {
                    "user_id": "U1",
                    "org_id": "O1",
                    "name": "Ann Example",
                    "email": "ann@example.com",
                    "telephone": "+44 1632 960001",
                    "role": "group_admin",
                    "created_at": "2025-05-20T10:00:00Z",
                },
                {
                    "user_id": "U2",
                    "org_id": "O1",
                    "name": "Bob Example",
                    "email": "bob@example.com",
                    "role": "user",
                    "created_at": "2025-06-01T00:00:00Z",
                    "deleted_at": "2026-01-01T00:00:00Z",
                },
            ],
            "logins": [
                _login(1, "U1", True, "::ffff:192.0.2.7", "https://ann:pw@www.Google.com:443/?q=x"),
                _login(2, None, False, "2001:db8:1234:5678::1", "http://192.0.2.1/path"),
                _login(3, "U9", True, "192.0.2.200", "mailto:ann@example.com"),
                _login(
                    4, "U2", True, "bad-address", "https://intranet.example.org/?e=bob@example.com"
                ),
                _login(5, "U2", True, "bad-address", "  "),
            ],
            "usage_events": [
                {
                    "event_id": "E1",
                    "ts": "2026-11-01T10:05:00Z",
                    "user_id": "U1",
                    "product": "local_insight",
                    "event_type": "report_run",
                },
                {
                    "event_id": "E2",
                    "ts": "2026-11-01T10:06:00Z",
                    "user_id": "U1",
                    "product": "local_insight",
                    "event_type": " Map_View ",
                },
                {
                    "event_id": "E3",
                    "ts": "2026-11-01T10:07:00Z",
                    "user_id": "U1",
                    "product": "local_insight",
                    "event_type": "export:ann@example.com",
                },
            ],
        },
    )


@pytest.fixture(scope="module")
def data(small: Path) -> AnalystData:
    return analyst_data(load_snapshot(small), KEY)


def _rows(data: AnalystData, sql: str) -> list[tuple]:
    cursor = data.cursor()
    try:
        return cursor.execute(sql).fetchall()
    finally:
        cursor.close()


def test_the_database_holds_only_the_analyst_tables_and_columns(data: AnalystData):
    found = _rows(
        data,
        "SELECT table_name, column_name FROM information_schema.columns "
        "ORDER BY table_name, ordinal_position",
    )
    columns: dict[str, list[str]] = {}
    for table, column in found:
        columns.setdefault(table, []).append(column)
    assert columns == EXPECTED_COLUMNS
    assert set(ANALYST_TABLES) == set(columns)


def test_users_are_pseudonymised_with_months_and_a_deleted_flag(data: AnalystData):
    rows = _rows(data, "SELECT * EXCLUDE (user_number) FROM users ORDER BY created_month")
    assert rows == [
        (pseudonym("U1", KEY), ORG, "group_admin", date.fromisoformat("2025-05-01"), False),
        (pseudonym("U2", KEY), ORG, "user", date.fromisoformat("2025-06-01"), True),
    ]


def test_user_numbers_follow_the_sorted_pseudonyms_in_every_table(data: AnalystData):
    users = _rows(data, "SELECT user_pseudonym, user_number FROM users ORDER BY user_number")
    assert users == [(p, PEOPLE.index(p)) for p in sorted(pseudonym(u, KEY) for u in ("U1", "U2"))]
    logged = _rows(
        data,
        "SELECT user_number FROM logins UNION SELECT user_number FROM usage_events "
        "ORDER BY user_number",
    )
    assert logged == [(0,), (1,), (2,), (None,)]  # U9 without a user row; a failed login


def test_the_log_tables_hold_no_pseudonym(data: AnalystData):
    # the person of a log row is its user number; `users` alone holds pseudonyms
    texts = _rows(
        data,
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_name IN ('logins', 'usage_events') AND data_type = 'VARCHAR'",
    )
    assert texts
    for table, column in texts:
        values = {v for (v,) in _rows(data, f"SELECT DISTINCT {column} FROM {table}")}
        assert not values & {*PEOPLE, ORG}, (table, column)
        assert not any(str(v).startswith(("p_", "o_")) for v in values), (table, column)


def test_logins_carry_what_the_usage_reports_derive(data: AnalystData):
    rows = _by_person(
        data, "logins", "org_product, day, london_weekday, london_hour, first_login_month"
    )
    november = date.fromisoformat("2026-11-01")
    assert rows == [
        (pseudonym("U1", KEY), "local_insight", november, 7, 10, november),  # a Sunday
        (None, None, date.fromisoformat("2026-11-02"), 1, 10, None),  # no account
        (pseudonym("U9", KEY), None, date.fromisoformat("2026-11-03"), 2, 10, november),
        (pseudonym("U2", KEY), "local_insight", date.fromisoformat("2026-11-04"), 3, 10, november),
        (pseudonym("U2", KEY), "local_insight", date.fromisoformat("2026-11-05"), 4, 10, november),
    ]


def test_the_day_is_utc_and_the_hour_of_week_london_time(tmp_path: Path):
    logins = [
        _login(1, "U1", False, "192.0.2.1", None) | {"ts": "2026-06-29T23:30:00Z"},  # failed
        _login(2, "U1", True, "192.0.2.1", None) | {"ts": "2026-07-06T23:30:00Z"},  # BST
        _login(3, "U1", True, "192.0.2.1", None) | {"ts": "2026-08-01T09:00:00Z"},
    ]
    snapshot = load_snapshot(build_snapshot(tmp_path / "snap", {"logins": logins}))
    rows = _rows(
        analyst_data(snapshot, KEY),
        "SELECT day, london_weekday, london_hour, first_login_month, org_product "
        "FROM logins ORDER BY ts",
    )
    july = date.fromisoformat("2026-07-01")  # the first successful login's month
    assert rows == [
        (date.fromisoformat("2026-06-29"), 2, 0, july, None),  # Monday 23:30 UTC: Tuesday 00:30
        (date.fromisoformat("2026-07-06"), 2, 0, july, None),
        (date.fromisoformat("2026-08-01"), 6, 10, july, None),
    ]


def test_organisations_keep_months_not_instants_or_names(data: AnalystData):
    assert _rows(data, "SELECT * FROM orgs") == [
        (
            ORG,
            "local_insight",
            "closed",
            date.fromisoformat("2025-03-01"),
            date.fromisoformat("2025-04-01"),
            date.fromisoformat("2026-10-01"),
        ),
    ]


def test_logins_keep_networks_families_and_domains(data: AnalystData):
    rows = _by_person(
        data, "logins", "success, ip_network, browser_family, os_family, referrer_domain"
    )
    assert rows == [
        (pseudonym("U1", KEY), True, "192.0.2.0/24", "Chrome", "Windows", "google.com"),
        (None, False, "2001:db8:1234::/48", "Other", "Other", "other"),  # unknown account; IP host
        (pseudonym("U9", KEY), True, "192.0.2.0/24", "Chrome", "Windows", "other"),  # mailto
        (pseudonym("U2", KEY), True, None, "Other", "Other", "other"),  # not a listed site
        (pseudonym("U2", KEY), True, None, "Chrome", "Windows", "direct"),
    ]


def test_events_are_pseudonymised_and_their_types_closed(data: AnalystData):
    rows = _by_person(data, "usage_events", "product, event_type")
    assert rows == [
        (pseudonym("U1", KEY), "local_insight", "report_run"),
        (pseudonym("U1", KEY), "local_insight", "map_view"),  # a known type, spelt loosely
        (pseudonym("U1", KEY), "local_insight", "other"),  # free text is never copied
    ]


def test_organisation_ids_are_keyed_pseudonyms():
    assert ORG == org_pseudonym("O1", KEY) != org_pseudonym("O1", OTHER)
    assert ORG.startswith("o_")
    assert len(ORG) == 22
    assert ORG[2:] != pseudonym("O1", KEY)[2:]  # an org id equal to a user id gets another digest


def test_pseudonyms_are_stable_under_one_key_and_differ_under_another(small: Path):
    snapshot = load_snapshot(small)
    query = "SELECT user_pseudonym FROM users ORDER BY created_month"
    first = _rows(analyst_data(snapshot, KEY), query)
    again = _rows(analyst_data(load_snapshot(small), KEY), query)
    other = _rows(analyst_data(snapshot, OTHER), query)
    assert first == again
    assert not set(first) & set(other)


def test_the_snapshot_is_left_as_it_was(small: Path):
    snapshot = load_snapshot(small)
    before = (
        snapshot.cursor()
        .execute("SELECT table_name FROM information_schema.tables ORDER BY ALL")
        .fetchall()
    )
    analyst_data(snapshot, KEY)
    after = (
        snapshot.cursor()
        .execute("SELECT table_name FROM information_schema.tables ORDER BY ALL")
        .fetchall()
    )
    assert before == after


def test_min_cell_comes_from_the_policy_unless_given(small: Path):
    snapshot = load_snapshot(small)
    assert analyst_data(snapshot, KEY).min_cell == 10
    assert analyst_data(snapshot, KEY, min_cell=5).min_cell == 5


ADDRESSES = [
    "192.0.2.77",
    " 198.51.100.1 ",
    "255.255.255.255",
    "0.0.0.0",
    "010.1.1.1",
    "256.1.1.1",
    "1.2.3",
    "1.2.3.4.5",
    "1.2.3.4\t",
    "::ffff:192.0.2.9",
    "2001:db8::1",
    "::",
    "2001:0db8:0000:0042::7",
    "[::ffff:10.0.0.1]",
    "garbage",
    "1.2.3.04",
]


def test_every_address_is_truncated_as_ip_network_says(tmp_path: Path):
    # plain IPv4 is truncated in SQL, anything else in Python: both must agree
    logins = [
        {
            "login_id": f"L{n}",
            "ts": f"2026-11-01T10:{n:02d}:00Z",
            "user_id": None,
            "success": False,
            "ip": ip,
        }
        for n, ip in enumerate(ADDRESSES)
    ]
    data = analyst_data(load_snapshot(build_snapshot(tmp_path / "s", {"logins": logins})), KEY)
    rows = _rows(data, "SELECT minute(ts), ip_network FROM logins ORDER BY ts")
    assert [network for _, network in rows] == [ip_network(ip) for ip in ADDRESSES]
    assert [minute for minute, _ in rows] == list(range(len(ADDRESSES)))
    assert {None, "2001:db8::/48", "10.0.0.0/24", "255.255.255.0/24"} <= {n for _, n in rows}


def test_every_vocabulary_is_documented():
    text = (Path(__file__).resolve().parent.parent / "docs" / "analyst-data.md").read_text()
    rows = {line.split("|")[1].strip(" `"): line for line in text.splitlines() if "|" in line}
    for column, (words, other) in vocabulary.VOCABULARIES.items():
        documented = {w.strip() for w in re.split(r"[,;|]", rows[column])}
        assert set(words) - {vocabulary.DIRECT} <= documented, column
        assert other in documented, column
