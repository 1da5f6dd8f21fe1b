"""A subject-access pack points to the rows of de-identified datasets that still name
the person (by column and row number, never their values), as DEID-001 and DEID-002
would find an identifier of theirs; someone else's rows are never pointed to."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from insight_workbench.loading.manifest import write_manifest
from insight_workbench.loading.snapshot import Snapshot, load_snapshot
from insight_workbench.subject_requests.dataset_mentions import file_rows, tells_apart, uk_forms
from insight_workbench.subject_requests.pack import build_pack, pack_files
from insight_workbench.testing import build_snapshot
from insight_workbench.timeutil import parse_timestamp

ANN_EMAIL = "Ann.Lee@Example.org"
USERS = [
    {
        "user_id": "U1",
        "org_id": "O1",
        "name": "Ann Lee",
        "email": ANN_EMAIL,
        "telephone": "+44 20 7946 0958",
        "role": "user",
        "created_at": "2025-01-01T00:00:00Z",
    },
    {
        "user_id": "U2",
        "org_id": "O1",
        "name": "Bob Stone",
        "email": "bob@example.org",
        "role": "user",
        "created_at": "2025-01-01T00:00:00Z",
    },
]
ORGS = [
    {
        "org_id": "O1",
        "name": "Org 1",
        "product": "local_insight",
        "status": "active",
        "created_at": "2024-01-01T00:00:00Z",
    }
]
LOGINS = [
    {
        "login_id": "L1",
        "user_id": "U1",
        "ts": "2026-01-01T00:00:00Z",
        "success": "true",
        "ip": "203.0.113.9",
        "user_agent": "x",
    },
]
NOTES = [  # row numbers from 1: which rows name Ann, and by what
    {"who": "Bob Stone", "note": "called about invoices", "phone": "", "ref": "U2"},  # 1: Bob
    {"who": "  ann LEE ", "note": "", "phone": "", "ref": ""},  # 2: her name, caseless
    {"who": "", "note": "send to ann.lee@example.org please", "phone": "", "ref": ""},  # 3
    {"who": "", "note": "", "phone": "020 7946 0958x", "ref": ""},  # 4: as written in the UK
    {"who": "", "note": "", "phone": "44 (20) 7946-0958", "ref": ""},  # 5: her digits
    {"who": "", "note": "", "phone": "", "ref": "u1"},  # 6: another id: ids are exact
    # 7: her IP whole; within a note it is no identifier (DEID-001: whole values only)
    {"who": "", "note": "from 203.0.113.9", "phone": "", "ref": "203.0.113.9"},
    {"who": "Annie Lee", "note": "", "phone": "", "ref": "U12"},  # 8: nobody held
    {"who": "", "note": "", "phone": "", "ref": " U1 "},  # 9: her user id, trimmed
    {"who": "", "note": "", "phone": "", "ref": "U7"},  # 10: an id with no users row
    {"who": "", "note": "", "phone": "7946 0958", "ref": ""},  # 11: part of it only
    {"who": "", "note": "", "phone": "+33 20 7946 0958", "ref": ""},  # 12: another country
    {"who": "", "note": "write to ann\u200b.lee@example.org", "phone": "", "ref": ""},  # 13
]
HASHED = [
    {"h": hashlib.sha256(b"ann.lee@example.org").hexdigest().upper(), "n": "12"},  # 1
    {"h": hashlib.md5(b"bob@example.org").hexdigest(), "n": "12"},  # 2: Bob
    {"h": hashlib.sha1(b"u1").hexdigest(), "n": "12"},  # 3: her user id, lower-cased
    {"h": hashlib.sha256(ANN_EMAIL.encode()).hexdigest(), "n": "12"},  # 4: as written
]
EVENTS = [  # U7 has rows but no users row (left behind by a deletion)
    {
        "event_id": "E1",
        "user_id": "U7",
        "ts": "2026-01-01T00:00:00Z",
        "product": "local_insight",
        "event_type": "page_view",
    },
]


def with_dataset(
    tmp_path: Path, rows: list[dict[str, str]], users: list[dict] = USERS, name: str = "survey"
) -> Snapshot:
    """A snapshot of ORGS and `users` with one de-identified dataset `name` of `rows`."""
    folder = build_snapshot(
        tmp_path / "s", {"organisations": ORGS, "users": users}, deidentified={name: (rows, None)}
    )
    return load_snapshot(folder)


def with_raw_dataset(tmp_path: Path, file_name: str, text: str) -> Snapshot:
    """A snapshot of ORGS and USERS with one de-identified dataset written as `text`
    exactly (records the loader quarantines included)."""
    folder = build_snapshot(tmp_path / "s", {"organisations": ORGS, "users": USERS})
    dataset = folder / "deidentified" / file_name
    dataset.parent.mkdir(exist_ok=True)
    dataset.write_text(text, encoding="utf-8")
    write_manifest(folder, parse_timestamp("2026-11-28T02:00:00Z"))
    return load_snapshot(folder)


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    folder = build_snapshot(
        tmp_path_factory.mktemp("sar-datasets") / "s",
        {"organisations": ORGS, "users": USERS, "logins": LOGINS, "usage_events": EVENTS},
        deidentified={"case_notes": (NOTES, None), "hashed": (HASHED, None)},
    )
    return load_snapshot(folder)


def test_the_rows_naming_the_person_are_pointed_to_by_column(snapshot: Snapshot) -> None:
    pack = build_pack(snapshot, user_id="U1")
    assert pack.named_in_datasets == {
        "deidentified/case_notes.csv": {
            "note": (3, 13),  # a zero-width space inside her address is no disguise
            "phone": (4, 5),
            "ref": (7, 9),
            "who": (2,),
        },
        "deidentified/hashed.csv": {"h": (1, 3, 4)},
    }


def test_an_id_with_no_users_row_is_looked_for_exactly(snapshot: Snapshot) -> None:
    pack = build_pack(snapshot, user_id="U7")
    assert pack.named_in_datasets == {"deidentified/case_notes.csv": {"ref": (10,)}}


def test_found_by_email_alike(snapshot: Snapshot) -> None:
    by_email = build_pack(snapshot, email=" ann.lee@EXAMPLE.org")
    assert by_email.named_in_datasets == build_pack(snapshot, user_id="U1").named_in_datasets


def test_someone_named_nowhere_gets_no_note(snapshot: Snapshot) -> None:
    pack = build_pack(snapshot, user_id="U2")
    assert pack.named_in_datasets == {
        "deidentified/case_notes.csv": {"ref": (1,), "who": (1,)},
        "deidentified/hashed.csv": {"h": (2,)},
    }
    nobody = build_pack(snapshot, user_id="U9")
    assert nobody.named_in_datasets == {}
    files = pack_files(nobody)
    assert "de-identified" not in files["README.txt"].decode()
    assert json.loads(files["manifest.json"])["deidentified_rows_naming_them"] == {}


def test_the_readme_and_manifest_say_where_never_what(snapshot: Snapshot) -> None:
    files = pack_files(build_pack(snapshot, user_id="U1"))
    readme = files["README.txt"].decode()
    assert '  "deidentified/case_notes.csv"\n    column "note": rows 3, 13\n' in readme
    assert '    column "ref": rows 7, 9\n' in readme
    assert '    column "who": row 2\n' in readme
    manifest = json.loads(files["manifest.json"])
    assert manifest["deidentified_rows_naming_them"]["deidentified/hashed.csv"] == {"h": [1, 3, 4]}
    for value in ("please", "7946-0958", hashlib.sha1(b"u1").hexdigest()):
        assert value not in readme
        assert value not in files["manifest.json"].decode()


def test_rows_are_counted_as_the_file_counts_them_past_quarantined_records(
    tmp_path: Path,
) -> None:
    """A record the loader quarantined keeps its number (DQ-001 names it so): the rows
    after it are pointed to by their own numbers, not one less."""
    snapshot = with_raw_dataset(
        tmp_path,
        "notes.csv",
        'who,ref\nBob Stone,x\nbroken,row,extra\nAnn Lee,y\nbad,"quo"te\nAnn Lee,z\n',
    )
    rejected = snapshot.rows_rejected["deidentified/notes"]
    assert rejected >= 1
    pack = build_pack(snapshot, user_id="U1")
    rows = pack.named_in_datasets["deidentified/notes.csv"]["who"]
    assert rows[0] == 3  # after the record of three fields, row 2
    # The records it could not read may name her too: the pack says how many, and where.
    assert pack.quarantined == {"deidentified/notes": rejected}
    readme = pack_files(pack)["README.txt"].decode()
    assert f'could not be read ("deidentified/notes": {rejected})' in " ".join(readme.split())


def test_a_dataset_name_cannot_forge_the_count_of_rows_no_pack_holds(tmp_path: Path) -> None:
    """`x: 0), users: 0 (y` as a file name read as "users: 0" in the note."""
    snapshot = with_raw_dataset(
        tmp_path, "x: 0), users: 0 (y.csv", "who,ref\nbroken,row,extra\nBob Stone,x\n"
    )
    pack = build_pack(snapshot, user_id="U1")
    readme = " ".join(pack_files(pack)["README.txt"].decode().split())
    assert 'could not be read ("deidentified/x: 0), users: 0 (y": 1)' in readme
    assert [n for n in file_rows([1, 2, 3], [2, 4])] == [1, 3, 5]
    assert file_rows([1, 2], [1, 1, 2]) == (3, 4)


def test_a_name_of_one_word_points_to_no_row(tmp_path: Path) -> None:
    """`Yes` or `User` as a person's name would point to every row that holds the word:
    other people's rows. Their user id still points to theirs."""
    users = [{**USERS[0], "name": "Yes"}, USERS[1]]
    answers = [{"answer": "yes", "ref": ""}, {"answer": "no", "ref": "U1"}]
    snapshot = with_dataset(tmp_path, answers, users)
    pack = build_pack(snapshot, user_id="U1")
    assert pack.named_in_datasets == {"deidentified/survey.csv": {"ref": (2,)}}
    # Said, so that the DPO searches for it by hand.
    assert pack.name_not_looked_for
    files = pack_files(pack)
    assert "name is a single word" in files["README.txt"].decode()
    assert json.loads(files["manifest.json"])["name_not_looked_for_in_deidentified"] is True
    assert not build_pack(snapshot, user_id="U2").name_not_looked_for


def test_a_full_name_written_without_spaces_is_looked_for(tmp_path: Path) -> None:
    users = [{**USERS[0], "name": "\u738b\u5c0f\u660e"}, USERS[1]]  # 王小明
    rows = [{"respondent": "\u738b\u5c0f\u660e"}, {"respondent": "\u738b"}]
    pack = build_pack(with_dataset(tmp_path, rows, users), user_id="U1")
    assert pack.named_in_datasets == {"deidentified/survey.csv": {"respondent": (1,)}}
    assert not pack.name_not_looked_for


@pytest.mark.parametrize(
    ("name", "apart"),
    [
        ("Ann Lee", True),
        ("J. Smith", True),
        ("\u5c71\u7530\u592a\u90ce", True),  # 山田太郎
        ("\uae40\ubbfc\uc900", True),  # 김민준
        ("\u738b", False),  # one letter
        ("Suharto", False),
        ("Jean-Luc", False),
        ("User", False),
        ("A 1", False),  # one word with a letter
    ],
)
def test_which_names_tell_a_person_apart(name: str, apart: bool) -> None:
    assert tells_apart(name) is apart


def test_a_column_name_cannot_forge_a_line_of_the_readme(tmp_path: Path) -> None:
    """Spaces, a colon or a line break in a column name: the name stays whole on its
    line, quoted, and the README's own words cannot be imitated."""
    forged = "a" + " " * 80 + "column forged: rows 99"
    rows = [{forged: "U1", "x: rows 5": "U1", "b\u202ec": "U1"}] * 3
    files = pack_files(build_pack(with_dataset(tmp_path, rows, name="notes"), user_id="U1"))
    readme = files["README.txt"].decode()
    # A bidi override is shown as its code, in the README and in manifest.json alike.
    assert '    column "b\\u202ec": rows 1, 2, 3' in readme.splitlines()
    assert "\u202e" not in files["manifest.json"].decode()
    named = json.loads(files["manifest.json"])["deidentified_rows_naming_them"]
    assert named["deidentified/notes.csv"]["b\u202ec"] == [1, 2, 3]
    lines = readme.splitlines()
    assert f'    column "{forged}":' in lines
    assert '    column "x: rows 5": rows 1, 2, 3' in lines
    assert not [line for line in lines if line.lstrip().startswith("column forged")]


@pytest.mark.parametrize(
    ("digits", "forms"),
    [
        ("447700900537", {"447700900537", "07700900537", "00447700900537"}),
        ("07700900537", {"447700900537", "07700900537", "00447700900537"}),
        ("00442079460958", {"442079460958", "02079460958", "00442079460958"}),
        ("33207946095", {"33207946095"}),  # not a UK number: as held only
        ("0123", {"0123"}),
    ],
)
def test_a_uk_number_is_looked_for_as_it_is_also_written(digits: str, forms: set[str]) -> None:
    assert uk_forms(digits) == forms


def test_a_nested_parquet_value_naming_the_person_is_pointed_to(tmp_path: Path) -> None:
    """Her user id in a struct's field, her address as a map's key, her name in a list:
    each is looked for inside the value, as DEID-001 judges it."""
    import duckdb

    folder = build_snapshot(tmp_path / "s", {"organisations": ORGS, "users": USERS})
    (folder / "deidentified").mkdir(exist_ok=True)
    con = duckdb.connect()
    con.execute(
        """COPY (SELECT * FROM (VALUES
            ({'ref': 'U2'}, ['Bob Stone'], MAP {'x': 1}),
            ({'ref': 'U1'}, ['x'], MAP {'x': 1}),
            ({'ref': 'z'}, ['y', 'ANN LEE'], MAP {'ann.lee@example.org': 1}),
            ({'ref': 'z'}, ['{"ref": "U1"}'], NULL)
        ) AS t(s, l, m)) TO ? (FORMAT parquet)""",
        [str(folder / "deidentified" / "nested.parquet")],
    )
    con.close()
    write_manifest(folder, parse_timestamp("2026-11-28T02:00:00Z"))
    pack = build_pack(load_snapshot(folder), user_id="U1")
    assert pack.named_in_datasets == {
        "deidentified/nested.parquet": {"l": (3,), "m": (3,), "s": (2,)}
    }


def test_an_address_with_signs_before_its_at_is_found_within_text(tmp_path: Path) -> None:
    """`ann~@example.org` within a note; and an address a link writes after `=`."""
    users = [{**USERS[0], "email": "ann~@example.org"}, USERS[1]]
    rows = [
        {"note": "reply to ann~@example.org"},  # 1
        {"note": "see /unsubscribe?email=ann~@example.org"},  # 2
        {"note": "reply to nn~@example.org"},  # 3: another address
        {"note": "bob@example.org"},  # 4: Bob's
        {"note": "write to ANN~@example.org."},  # 5: hers, a full stop after it
        {"note": "ann~@example.org.uk"},  # 6: a longer address
        {"note": "to bob~ann~@example.org"},  # 7: a longer address, signs before hers
        {"note": "from x!ann~@example.org"},  # 8: likewise
        {"note": "write to `ann~@example.org` or *ann~@example.org*"},  # 9: wrapped
        {"note": "bob@example.org|ann~@example.org"},  # 10: a list
        {"note": "(ann~@example.org) {ann~@example.org}"},  # 11
    ]
    pack = build_pack(with_dataset(tmp_path, rows, users), user_id="U1")
    assert pack.named_in_datasets == {"deidentified/survey.csv": {"note": (1, 2, 5, 9, 10, 11)}}


def test_an_address_ending_in_a_greek_sigma_is_found_within_text(tmp_path: Path) -> None:
    """Lower-cased, `ΟΔΟΣ` ends in a final ς in the address's key and in σ in the text."""
    users = [{**USERS[0], "email": "ΟΔΟΣ@example.gr"}, USERS[1]]
    rows = [{"note": "write to ΟΔΟΣ@example.gr"}, {"note": "write to οδος@example.gr"}]
    pack = build_pack(with_dataset(tmp_path, rows, users), user_id="U1")
    assert pack.named_in_datasets == {"deidentified/survey.csv": {"note": (1, 2)}}


def test_a_person_named_only_in_a_dataset_is_not_told_no_data_is_held(tmp_path: Path) -> None:
    """No row of the platform's tables, but a de-identified dataset still names them:
    that is personal data held, so neither the pack nor its manifest says none is."""
    snapshot = with_dataset(tmp_path, [{"contact": "gone@example.org"}, {"contact": "x"}])
    pack = build_pack(snapshot, email="Gone@Example.org")
    assert not pack.in_tables
    assert pack.found
    files = pack_files(pack)
    readme = files["README.txt"].decode()
    assert "NO DATA HELD" not in readme
    assert "NO ROW OF THE PLATFORM'S TABLES" in readme
    assert '    column "contact": row 1\n' in readme
    assert json.loads(files["manifest.json"])["data_held"] is True
    nobody = build_pack(snapshot, email="nobody@example.org")
    assert not nobody.found
    assert "NO DATA HELD" in pack_files(nobody)["README.txt"].decode()


def test_an_id_another_account_shares_once_trimmed_names_neither(tmp_path: Path) -> None:
    """`" U1"` and `"U1"` are two accounts; a dataset's cell `U1` (compared trimmed) could
    be either's, so neither pack points to it. Each one's own rows stay theirs."""
    users = [
        {**USERS[0], "user_id": "U1"},
        {**USERS[0], "user_id": " U1", "email": "other@example.org", "name": "Cy Other"},
    ]
    rows = [{"ref": "U1"}, {"ref": "other@example.org"}]
    snapshot = with_dataset(tmp_path, rows, users=users)
    assert build_pack(snapshot, user_id=" U1").named_in_datasets == {
        "deidentified/survey.csv": {"ref": (2,)}
    }
    assert build_pack(snapshot, user_id="U1").named_in_datasets == {}
    both = build_pack(snapshot, email="other@example.org")  # one account: " U1"
    assert both.user_ids == (" U1",)
