"""emails: the one normalisation of email addresses, the same in Python and in DuckDB."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import duckdb
import pytest

from insight_workbench.emails import define_email_key, email_key, email_key_sql

NFC_JOSE = unicodedata.normalize("NFC", "José@example.org")
NFD_JOSE = unicodedata.normalize("NFD", "José@example.org")

ADDRESSES = [
    "ann@example.org",
    "  Ann@Example.ORG\t",
    "\u00a0ann@example.org\u3000",  # no-break and ideographic spaces
    "\x0bann@example.org\x1c\x85\u2028",  # every edge space str.strip() removes
    "\u200bann@exa\u2060mple.org\ufeff",  # zero-width characters
    "a\u00a0n\u202fn\u2007@example.org",  # no-break spaces inside
    "JOSÉ.ÅSTRÖM@Example.org",
    NFC_JOSE,
    NFD_JOSE,
    "Straße@example.org",
    "İstanbul@example.org",
    "ａｎｎ＠ｅｘａｍｐｌｅ．ｏｒｇ",  # full-width
    "ann+news@example.org",
    "a b@example.org",
    "   ",
    "",
    *(f"a{chr(c)}B@x.org" for c in range(128)),  # every ASCII character inside
]

# (two spellings, equal?) as a DPO would judge them
PAIRS = [
    (NFC_JOSE, NFD_JOSE, True),
    # lower-cased, not case-folded: ß and ss, ς and σ are different letters
    ("straße@example.org", "STRASSE@example.org", False),
    ("straße@example.org", "STRAẞE@example.org", True),  # capital sharp s
    ("ς@x.org", "σ@x.org", False),
    ("Σ@x.org", "σ@x.org", True),
    # spaces go before lower-casing, which writes Σ before a space as a final ς
    ("ΟΔΟΣ Α@x.gr", "ΟΔΟΣΑ@x.gr", True),
    ("ΟΔΟΣ\u200bΑ@x.gr", "ΟΔΟΣ Α@x.gr", True),
    ("ａ@ｅｘ.ｏｒｇ", "a@ex.org", True),
    ("a\u200b@x.org", "a@x.org", True),
    ("a\u200c\u200d\u2060\ufeff@x.org", "a@x.org", True),
    ("a\u00a0b\u202fc\u2007@x.org", "abc@x.org", True),
    ("  Ann@Example.ORG\t", "ann@example.org", True),
    ("a b@x.org", "ab@x.org", True),  # an unquoted address holds no space
    ("a+x@example.org", "a@example.org", False),  # a sub-address stays apart
    # Turkish dotted capital I is i, as is i with a dot above; the dotless ı is not
    ("İ@x.org", "I@x.org", True),
    ("İ@x.org", "i\u0307@x.org", True),
    ("I\u0307@x.org", "i@x.org", True),  # İ decomposed
    ("\u0131@x.org", "i@x.org", False),
    ("é@x.org", "e@x.org", False),  # accents are kept
]


@pytest.fixture(scope="module")
def cursor():
    con = duckdb.connect()
    define_email_key(con)
    yield con
    con.close()


@pytest.mark.parametrize("address", ADDRESSES)
def test_python_and_sql_agree(cursor, address):
    (sql,) = cursor.execute(f"SELECT {email_key_sql('$a')}", {"a": address}).fetchone()
    assert sql == email_key(address)


def test_python_and_sql_agree_on_a_mixed_column(cursor):
    """ASCII, other and NULL values in one vector of more than one chunk."""
    values = [*ADDRESSES, None] * 40
    keys = cursor.execute(
        "SELECT list(iw_email_key(v) ORDER BY i) FROM unnest($v) WITH ORDINALITY AS t(v, i)",
        {"v": values},
    ).fetchone()[0]
    assert keys == [None if v is None else email_key(v) for v in values]


@pytest.mark.parametrize(("one", "other", "equal"), PAIRS)
def test_which_spellings_are_one_address(cursor, one, other, equal):
    assert (email_key(one) == email_key(other)) is equal
    sql = cursor.execute("SELECT iw_email_key($a) = iw_email_key($b)", {"a": one, "b": other})
    assert sql.fetchone() == (equal,)


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("  Ann@Example.ORG\t", "ann@example.org"),
        ("\u00a0ann@example.org\u3000", "ann@example.org"),
        ("Straße@Example.org", "straße@example.org"),
        ("ａｎｎ＠ｅｘａｍｐｌｅ．ｏｒｇ", "ann@example.org"),
        ("İPEK@x.org", "ipek@x.org"),
        ("i\u0307\u0301@x.org", "\u00ed@x.org"),  # the dot goes, the acute stays
        ("\u200b \u00a0", ""),
    ],
)
def test_the_key(address, key):
    assert email_key(address) == key


@pytest.mark.parametrize("address", ADDRESSES)
def test_a_key_is_its_own_key(address):
    assert email_key(email_key(address)) == email_key(address)


def test_null_stays_null(cursor):
    assert cursor.execute("SELECT iw_email_key(NULL::VARCHAR)").fetchone() == (None,)


def test_defined_once_for_every_cursor_of_a_database():
    con = duckdb.connect()
    try:
        first, second = con.cursor(), con.cursor()
        define_email_key(first)
        define_email_key(second)  # already there: no error
        first.close()
        assert second.execute("SELECT iw_email_key('A@X.org')").fetchone() == ("a@x.org",)
    finally:
        con.close()


def test_works_on_a_read_only_locked_database(tmp_path: Path):
    path = tmp_path / "workspace.duckdb"
    with duckdb.connect(path) as con:
        con.execute("CREATE TABLE users AS SELECT $e AS email", {"e": NFD_JOSE})
    locked = {"enable_external_access": False, "lock_configuration": True}
    with duckdb.connect(path, read_only=True, config=locked) as con:
        cursor = con.cursor()
        define_email_key(cursor)
        found = cursor.execute(
            "SELECT count(*) FROM users WHERE iw_email_key(email) = iw_email_key($e)",
            {"e": NFC_JOSE.upper()},
        ).fetchone()
        assert found == (1,)
