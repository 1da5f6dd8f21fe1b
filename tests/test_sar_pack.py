"""Finding every row held about one person, and nothing about anyone else."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest
from sar_people import EXPECTED, GONE, JANE, JANE_EMAIL, JOHN, SECRET, SMYTH, TABLES

from insight_workbench.emails import email_key
from insight_workbench.errors import InputError
from insight_workbench.loading.manifest import write_manifest
from insight_workbench.loading.schema import PERSONAL_DATA_TABLES
from insight_workbench.loading.schema import TABLES as SCHEMA
from insight_workbench.loading.snapshot import Snapshot, load_snapshot
from insight_workbench.subject_requests.pack import (
    PACK_TABLES,
    SubjectPack,
    build_pack,
    identify_person,
    pack_files,
    pack_table,
)
from insight_workbench.testing import build_snapshot
from insight_workbench.timeutil import parse_timestamp

pytestmark = pytest.mark.slow  # started first: see tests/conftest.py

ID_COLUMNS = {"admin_views": "viewer_user_id"}
PackOf = Callable[[Snapshot, str], SubjectPack]


@pytest.fixture(scope="module")
def pack_of() -> PackOf:
    """`pack_of(snapshot, user_id)`: the pack of a user id, built once in this file (a
    pack takes about a second to build, whatever the snapshot's size); packs are only
    read. The packs by email are built by each test that asks for one."""
    built: dict[tuple[str, str], SubjectPack] = {}

    def pack(snapshot: Snapshot, user_id: str) -> SubjectPack:
        key = (snapshot.manifest.checksum, user_id)
        if key not in built:
            built[key] = build_pack(snapshot, user_id=user_id)
        return built[key]

    return pack


def _frames(snapshot: Snapshot) -> dict[str, pd.DataFrame]:
    cursor = snapshot.cursor()
    try:
        return {name: cursor.execute(f"SELECT * FROM {name}").df() for name in PACK_TABLES}
    finally:
        cursor.close()


def _norm(text: object) -> str:
    return email_key(str(text))


def _expected_counts(frames: dict[str, pd.DataFrame], user_id: str) -> dict[str, int]:
    """The person's rows per table, counted in pandas, independently of the pack's SQL."""
    users = frames["users"]
    emails = {_norm(e) for e in users.loc[users["user_id"] == user_id, "email"]}
    counts = {}
    for name, frame in frames.items():
        mine = frame[ID_COLUMNS.get(name, "user_id")] == user_id
        if name == "subject_requests":
            mine |= frame["requester_email"].map(_norm).isin(emails)
        counts[name] = int(mine.sum())
    return counts


def _sample_people(frames: dict[str, pd.DataFrame]) -> list[str]:
    """A few sample user ids: the first, a deleted one, a requester, and an orphan."""
    users = frames["users"]
    picks = list(users["user_id"].head(2))
    picks += list(users.loc[users["deleted_at"].notna(), "user_id"].head(1))
    picks += list(frames["subject_requests"]["user_id"].dropna().head(1))
    orphans = set(frames["logins"]["user_id"].dropna()) - set(users["user_id"])
    picks += sorted(orphans)[:1]
    return list(dict.fromkeys(picks))


def _cases(request: pytest.FixtureRequest) -> tuple[Snapshot, list[str]]:
    if request.param == "people":
        return request.getfixturevalue("people"), [JANE, JOHN, SMYTH, GONE]
    sample = request.getfixturevalue("sample")
    return sample, _sample_people(_frames(sample))


@pytest.fixture(params=["people", "sample"])
def snapshot_and_ids(request: pytest.FixtureRequest) -> tuple[Snapshot, list[str]]:
    return _cases(request)


def test_pack_counts_equal_a_direct_count(
    snapshot_and_ids: tuple[Snapshot, list[str]], pack_of: PackOf
) -> None:
    snapshot, ids = snapshot_and_ids
    frames = _frames(snapshot)
    assert ids
    for user_id in ids:
        pack = pack_of(snapshot, user_id)
        assert pack.row_counts == _expected_counts(frames, user_id), user_id


def test_pack_holds_nothing_of_anyone_else(
    snapshot_and_ids: tuple[Snapshot, list[str]], pack_of: PackOf
) -> None:
    snapshot, ids = snapshot_and_ids
    frames = _frames(snapshot)
    all_ids = set(frames["users"]["user_id"]) | set(frames["logins"]["user_id"].dropna())
    for user_id in ids:
        pack = pack_of(snapshot, user_id)
        mine = {
            _norm(e) for e in frames["users"].loc[frames["users"]["user_id"] == user_id, "email"]
        }
        for name, table in pack.tables.items():
            for record in table.records():
                if name == "subject_requests":  # made by their account or from their email
                    by_email = _norm(record["requester_email"]) in mine
                    assert record["user_id"] == user_id or by_email
                else:
                    assert record[ID_COLUMNS.get(name, "user_id")] == user_id, name
        others = {u for u in all_ids if u != user_id}
        cells = {str(v) for t in pack.tables.values() for row in t.rows for v in row}
        assert not cells & others


def test_the_pack_covers_every_table_of_personal_data_and_the_requests() -> None:
    assert PACK_TABLES == (
        "users",
        "logins",
        "usage_events",
        "communications",
        "preferences",
        "subject_requests",
        "admin_views",
    )
    assert set(PACK_TABLES) == {*PERSONAL_DATA_TABLES, "subject_requests"}
    for name in PERSONAL_DATA_TABLES:  # listed in a stable order, time first
        assert SCHEMA[name].row_order, name


def test_people_packs_match_the_hand_written_expectation(people: Snapshot, pack_of: PackOf) -> None:
    for user_id, expected in EXPECTED.items():
        assert pack_of(people, user_id).row_counts == expected, user_id


@pytest.mark.parametrize("person", [JANE, JOHN, SMYTH, GONE])
def test_no_other_persons_identifiers_in_any_file(
    people: Snapshot, pack_of: PackOf, person: str
) -> None:
    text = b"".join(pack_files(pack_of(people, person)).values()).decode("utf-8-sig")
    for row in TABLES["users"]:
        if row["user_id"] != person:
            for column in ("user_id", "email", "telephone", "name"):
                assert row[column].strip() not in text, (person, column)
    for row in TABLES["subject_requests"]:
        if row["user_id"] != person and row["request_id"] != "R2":
            assert row["requester_email"] not in text
    assert "L7" not in text  # a failed login on no account belongs to nobody


@pytest.mark.parametrize(
    "email",
    [
        JANE_EMAIL,
        "jane.smith@example.com",
        "  JANE.SMITH@EXAMPLE.COM\t",
        "\njane.Smith@example.Com ",
        "\u00a0jane.smith@EXAMPLE.com\u2003",
    ],
)
def test_email_variants_find_the_same_person(people: Snapshot, pack_of: PackOf, email: str) -> None:
    by_email = build_pack(people, email=email)
    by_id = pack_of(people, JANE)
    assert by_email.user_ids == (JANE,)
    assert by_email.row_counts == by_id.row_counts == EXPECTED[JANE]
    requests = {r["request_id"] for r in by_email.tables["subject_requests"].records()}
    assert requests == {"R1", "R2"}  # R2 was made by email only, spelt differently


def test_user_id_is_matched_exactly(people: Snapshot) -> None:
    for near in (JANE.upper(), f" {JANE}", "usr-jan"):
        assert not build_pack(people, user_id=near).found, near


def test_orphan_rows_of_a_deleted_user_are_held_data(people: Snapshot, pack_of: PackOf) -> None:
    pack = pack_of(people, GONE)
    assert pack.found
    assert pack.row_counts["users"] == 0
    assert all(pack.row_counts[t] == 1 for t in PACK_TABLES if t != "users")


@pytest.mark.parametrize(
    ("kwargs", "found"),
    [
        ({"email": "nobody@example.com"}, False),
        ({"user_id": "usr-nobody"}, False),
        ({"email": "Stranger@Example.net"}, True),  # only a request, no account
    ],
)
def test_unknown_people_and_requesters_without_an_account(
    people: Snapshot, kwargs: dict[str, str], found: bool
) -> None:
    pack = build_pack(people, **kwargs)
    assert pack.found is found
    assert pack.user_ids == ()
    expected = {t: 0 for t in PACK_TABLES} | ({"subject_requests": 1} if found else {})
    assert pack.row_counts == expected
    assert set(pack.tables) == set(PACK_TABLES)  # every table is answered, even when empty


def test_credential_columns_never_appear_but_extra_columns_do(
    people: Snapshot, pack_of: PackOf
) -> None:
    assert ("users", "password_hash") in people.credential_columns
    pack = pack_of(people, JANE)
    assert "password_hash" not in pack.tables["users"].columns
    assert pack.tables["users"].records()[0]["nickname"] == "-2"
    files = pack_files(pack)
    assert SECRET.encode() not in b"".join(files.values())
    data = b"".join(content for path, content in files.items() if path != "README.txt")
    assert b"password" not in data


def test_pack_carries_the_snapshot_identity(people: Snapshot) -> None:
    pack = build_pack(people, email=f" {JANE_EMAIL} ")
    assert isinstance(pack, SubjectPack)
    assert pack.snapshot_id == people.manifest.snapshot_id
    assert pack.exported_at == people.manifest.exported_at
    assert (pack.identifier_kind, pack.identifier) == ("email", JANE_EMAIL)
    assert pack.tables["logins"].frame().shape == (3, 7)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"email": JANE_EMAIL, "user_id": JANE},
        {"email": "   "},
        {"email": "\u200b\u00a0"},  # nothing once invisible characters go
        {"user_id": ""},
    ],
)
def test_exactly_one_non_empty_identifier(people: Snapshot, kwargs: dict[str, str]) -> None:
    with pytest.raises(InputError, match="--"):
        build_pack(people, **kwargs)


def _found_by_email(snapshot: Snapshot, email: str) -> tuple[tuple[str, ...], set[str]]:
    """The user ids and the request ids an email address finds, by the pack's own lookup
    (what `build_pack` then collects the person's rows for), without collecting the rows."""
    cursor = snapshot.cursor()
    try:
        ids, emails = identify_person(cursor, email, None)
        requests = pack_table(cursor, "subject_requests", ids, emails)
    finally:
        cursor.close()
    return tuple(ids), {r["request_id"] for r in requests.records()}


def _respelt(email: str) -> str:
    return f"  {email.strip().upper()}\t"


def _owners(frames: dict[str, pd.DataFrame], email: str) -> tuple[str, ...]:
    users = frames["users"]
    return tuple(sorted(users.loc[users["email"].map(_norm) == _norm(email), "user_id"]))


def test_sample_requests_are_found_by_their_email_in_any_spelling(sample: Snapshot) -> None:
    frames = _frames(sample)
    requests = frames["subject_requests"]
    assert len(requests)
    for request_id, email in zip(requests["request_id"], requests["requester_email"], strict=True):
        user_ids, found = _found_by_email(sample, _respelt(email))
        assert request_id in found, request_id
        assert user_ids == _owners(frames, email), request_id


def _first_request_with_owners(frames: dict[str, pd.DataFrame], owners: int) -> str | None:
    """The first sample request whose requester email is that of this many users."""
    requests = frames["subject_requests"]
    for request_id, email in zip(requests["request_id"], requests["requester_email"], strict=True):
        if len(_owners(frames, email)) == owners:
            return str(request_id)
    return None


# The sample holds requesters with one account and with none; the loader quarantines a
# second user with the same address, so no sample request has two owners.
@pytest.mark.parametrize("owners", [1, 0])
def test_a_sample_requesters_pack_by_email_is_their_pack(
    sample: Snapshot, pack_of: PackOf, owners: int
) -> None:
    frames = _frames(sample)
    request_id = _first_request_with_owners(frames, owners)
    assert request_id is not None
    requests = frames["subject_requests"].set_index("request_id")
    email = str(requests.loc[request_id, "requester_email"])
    pack = build_pack(sample, email=_respelt(email))
    assert request_id in {r["request_id"] for r in pack.tables["subject_requests"].records()}
    assert pack.user_ids == _owners(frames, email)
    if owners == 1:  # by email and by account: the same pack
        by_id = pack_of(sample, pack.user_ids[0])
        assert pack.tables == by_id.tables
    else:  # only what they asked: no account, so no rows of one
        assert {t: n for t, n in pack.row_counts.items() if n} == {
            "subject_requests": int((requests["requester_email"].map(_norm) == _norm(email)).sum())
        }


def test_sample_pack_notes_quarantined_rows(sample: Snapshot, pack_of: PackOf) -> None:
    pack = pack_of(sample, str(_frames(sample)["users"]["user_id"][0]))
    rejected = {t: n for t, n in sample.rows_rejected.items() if t in PACK_TABLES and n}
    assert pack.quarantined == rejected
    assert rejected  # the sample plants quarantined rows in tables of the pack
    readme = " ".join(pack_files(pack)["README.txt"].decode().split())
    assert "could not be read" in readme
    assert "in no pack, even where they are about this person" in readme
    assert "`insight-workbench validate`" in readme


# People whose addresses are stored in one Unicode spelling and asked for in another.
SPELT = {  # user id: the address in users.email
    "U-jose": "Jose\u0301.Garcia@example.org",  # é decomposed (NFD)
    "U-anna": "Anna.Stra\u00dfe@example.org",
    "U-ipek": "\u0130pek@example.org",  # Turkish dotted capital I
    "U-\u0131pek": "\u0131pek@example.org",  # a different person: dotless ı is not i
    "U-full": "\uff46\uff55\uff4c\uff4c@example.org",  # full-width
    "U-ann": "\u00a0a\u200bnn@example.org\ufeff",  # no-break and zero-width
    "U-ann+": "ann+news@example.org",  # a different person: a sub-address
}
SPELT_REQUESTS = {  # request id: (requester_email, made by email alone by this user)
    "R-jose": ("JOS\u00c9.GARCIA@EXAMPLE.ORG", "U-jose"),  # É composed (NFC)
    "R-anna": ("ANNA.STRA\u1e9eE@example.org", "U-anna"),  # capital ẞ
    "R-ipek": ("i\u0307pek@example.org", "U-ipek"),
    "R-IPEK": ("IPEK@example.org", "U-ipek"),  # Turkish İ and I are both i
    "R-\u0131pek": ("\u0131PEK@example.org", "U-\u0131pek"),
    "R-full": ("FULL@example.org", "U-full"),
    "R-ann": (" a\u2060nn@example.org\u202f", "U-ann"),
    "R-ann+": ("Ann+News@example.org", "U-ann+"),
}


@pytest.fixture(scope="module")
def spelt(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    org = {"org_id": "O1", "name": "Org", "product": "local_insight", "status": "active"}
    users = [
        {"user_id": uid, "org_id": "O1", "name": uid, "email": email, "role": "user"}
        for uid, email in SPELT.items()
    ]
    requests = [
        {"request_id": rid, "requester_email": email, "type": "access", "status": "open"}
        | {"extended": False}
        for rid, (email, _) in SPELT_REQUESTS.items()
    ]
    day = {"created_at": "2026-01-01T00:00:00Z", "received_at": "2026-10-01T10:00:00Z"}
    tables = {
        "organisations": [org | {"created_at": day["created_at"]}],
        "users": [u | {"created_at": day["created_at"]} for u in users],
        "subject_requests": [r | {"received_at": day["received_at"]} for r in requests],
    }
    folder = build_snapshot(tmp_path_factory.mktemp("spelt") / "spelt", tables)
    snapshot = load_snapshot(folder)
    assert sum(snapshot.rows_rejected.values()) == 0  # seven different addresses
    return snapshot


@pytest.mark.parametrize(
    ("email", "user_id"),
    [
        ("jos\u00e9.garcia@example.org", "U-jose"),  # NFC asked, NFD held
        ("JOSE\u0301.GARCIA@EXAMPLE.ORG", "U-jose"),
        ("ANNA.STRA\u1e9eE@EXAMPLE.ORG", "U-anna"),
        ("anna.stra\u00dfe@example.org", "U-anna"),
        ("\u0130PEK@example.org", "U-ipek"),
        ("ipek@example.org", "U-ipek"),
        ("I\u0307pek@example.org", "U-ipek"),  # İ decomposed
        ("\u0131pek@example.org", "U-\u0131pek"),
        ("\uff46\uff55\uff4c\uff4c\uff20\uff45xample.org", "U-full"),
        ("Full@Example.org", "U-full"),
        ("\tann\u200b@example.org\u00a0", "U-ann"),
        ("an n@example.org", "U-ann"),  # spaces inside go too
        ("ann+news@example.org", "U-ann+"),
    ],
)
def test_an_address_in_another_unicode_spelling_finds_the_person(
    spelt: Snapshot, email: str, user_id: str
) -> None:
    by_email = build_pack(spelt, email=email)
    assert by_email.user_ids == (user_id,)
    assert [r["user_id"] for r in by_email.tables["users"].records()] == [user_id]
    made = {rid for rid, (_, uid) in SPELT_REQUESTS.items() if uid == user_id}
    assert {r["request_id"] for r in by_email.tables["subject_requests"].records()} == made


@pytest.mark.parametrize("user_id", SPELT)
def test_a_users_pack_links_their_requests_in_any_unicode_spelling(
    spelt: Snapshot, user_id: str
) -> None:
    pack = build_pack(spelt, user_id=user_id)
    made = {rid for rid, (_, uid) in SPELT_REQUESTS.items() if uid == user_id}
    assert {r["request_id"] for r in pack.tables["subject_requests"].records()} == made


def test_a_sub_address_or_other_letter_is_no_data_held(spelt: Snapshot) -> None:
    others = ("jose.garcia@example.org", "anna.strasse@example.org", "i@example.org")
    for email in (*others, "anna+x.stra\u00dfe@example.org"):
        assert not build_pack(spelt, email=email).found, email


def test_a_read_only_locked_workspace_finds_the_person(spelt: Snapshot) -> None:
    """The workspace is opened read-only, without external access and with its settings
    locked; addresses are still compared the same way."""
    cursor = spelt.cursor()
    settings = cursor.execute(
        "SELECT current_setting('enable_external_access'), current_setting('lock_configuration')"
    ).fetchone()
    assert settings == (False, True)
    pack = build_pack(spelt, email="JOS\u00c9.GARCIA@EXAMPLE.ORG")
    assert pack.user_ids == ("U-jose",)
    requests = pack.tables["subject_requests"].records()
    assert [r["request_id"] for r in requests] == ["R-jose"]


def test_extra_columns_named_like_the_loaders_own_take_no_part_in_matching(tmp_path) -> None:
    """An extra column called `rowid` hides DuckDB's own row id: requests are matched by
    their id, so the column's values (here pointing at the other person's request) do
    not decide whose request is whose."""
    person = {"org_id": "O1", "role": "user", "created_at": "2026-01-01T00:00:00Z"}
    request = {"type": "access", "status": "open", "extended": "false"}
    tables = {
        "organisations": [
            {
                "org_id": "O1",
                "name": "Org",
                "product": "local_insight",
                "status": "active",
                "created_at": "2025-01-01T00:00:00Z",
            }
        ],
        "users": [
            {**person, "user_id": "U1", "name": "Ann", "email": "ann@example.org"},
            {**person, "user_id": "U2", "name": "Bob", "email": "bob@example.org"},
        ],
        "subject_requests": [
            {**request, "request_id": "R1", "received_at": "2026-11-01T00:00:00Z",
             "requester_email": "bob@example.org", "rowid": "1", "_row": "2"},
            {**request, "request_id": "R2", "received_at": "2026-11-02T00:00:00Z",
             "requester_email": "ann@example.org", "rowid": "0", "_row": "1"},
        ],
    }  # fmt: skip
    folder = build_snapshot(
        tmp_path / "s", tables, extra_columns={"subject_requests": ["rowid", "_row"]}
    )
    snapshot = load_snapshot(folder)
    for email, made in [("ann@example.org", "R2"), ("bob@example.org", "R1")]:
        records = build_pack(snapshot, email=email).tables["subject_requests"].records()
        assert [(r["request_id"], r["rowid"]) for r in records] == [(made, "01"[made == "R1"])]


@pytest.mark.parametrize("found", [True, False])
def test_the_readme_shows_an_export_s_control_characters_as_escapes(tmp_path, found: bool) -> None:
    """A snapshot id (or account id) holding a line break wrote lines of its own into the
    README ("NO DATA HELD", another export time), and escape sequences drove the
    terminal that showed it."""
    forged = "prod\nExported at:    2019-01-01T00:00:00Z\n\nNO DATA HELD.\x1b]0;owned\x07\x1b[8m"
    user = "U1\x1b[8m\u202e"
    users = [
        {
            "user_id": user,
            "org_id": "O1",
            "name": "Sam",
            "email": "sam@example.org",
            "role": "user",
            "created_at": "2026-01-01T00:00:00Z",
        }
    ]
    folder = build_snapshot(tmp_path / "s", {"users": users})
    write_manifest(folder, parse_timestamp("2026-11-28T02:00:00Z"), forged)
    snapshot = load_snapshot(folder)
    asked = "sam@example.org" if found else "nobody\x1b[2J@example.org"
    text = pack_files(build_pack(snapshot, email=asked))["README.txt"].decode("utf-8")
    assert not [c for c in text if (ord(c) < 32 and c != "\n") or c == "\u202e"]
    assert [line for line in text.splitlines() if line.startswith("Exported at:")] == [
        "Exported at:    2026-11-28T02:00:00Z (what the platform held at that moment)"
    ]
    assert any(line.startswith("NO DATA HELD") for line in text.splitlines()) is not found
    assert "Snapshot:       prod\\nExported at:" in text
    if found:
        assert "Account(s):     U1\\x1b[8m\\u202e" in text


def test_two_accounts_of_one_address_in_two_spellings_both_load_and_share_a_pack(
    tmp_path,
) -> None:
    """`users.email` is unique trimmed and lower-cased, no wider: `a b@x.org` and
    `ab@x.org` are two rows the format keeps, so neither is quarantined (one was, and
    its logins then read as left behind by a deletion, RET-004). A pack by either
    spelling still finds both accounts: one address to `email_key`."""
    from insight_workbench.policy import load_policy
    from insight_workbench.rules.runner import run_check

    person = {"org_id": "O1", "role": "user", "created_at": "2026-01-01T00:00:00Z"}
    tables = {
        "organisations": [
            {"org_id": "O1", "name": "Org", "product": "local_insight", "status": "active",
             "created_at": "2025-01-01T00:00:00Z"}
        ],
        "users": [
            {**person, "user_id": "U1", "name": "Ann", "email": "a nn@example.org"},
            {**person, "user_id": "U2", "name": "Ann", "email": "ANN@example.org"},
        ],
        "logins": [
            {"login_id": "L1", "user_id": "U2", "ts": "2026-03-01T00:00:00Z",
             "success": "true", "ip": "10.0.0.1"}
        ],
    }  # fmt: skip
    snapshot = load_snapshot(build_snapshot(tmp_path / "s", tables))
    assert sum(snapshot.rows_rejected.values()) == 0
    assert not [f for f in run_check(snapshot, load_policy()).findings if f.rule != "RET-002"]
    for email in ("ann@example.org", "a nn@example.org"):
        assert build_pack(snapshot, email=email).user_ids == ("U1", "U2"), email


def test_a_pack_by_an_address_no_account_holds_names_the_account_its_request_names(
    people: Snapshot,
) -> None:
    """The address is on a request matched to an account whose email is another (or
    whose users row is gone): the pack holds the request alone, and says which account
    to build a pack for, so that account's rows are not silently left out."""
    pack = build_pack(people, email="gone@example.com")
    assert pack.user_ids == ()
    assert pack.row_counts["subject_requests"] == 1
    readme = " ".join(pack_files(pack)["README.txt"].decode().split())
    assert f"The requests name account(s) {GONE} whose email is not this address" in readme
    # a pack that holds the account says nothing of the kind
    assert (
        "The requests name"
        not in pack_files(build_pack(people, user_id=GONE))["README.txt"].decode()
    )
