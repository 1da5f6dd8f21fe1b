"""emails: the one normalisation of email addresses, the same in Python and in DuckDB."""

from __future__ import annotations

import duckdb
import pytest

from insight_workbench.emails import define_email_key, email_key, email_key_sql

ADDRESSES = [
    "ann@example.org",
    "  Ann@Example.ORG\t",
    "\u00a0ann@example.org\u3000",  # no-break and ideographic spaces
    "\x0bann@example.org\x1c\x85\u2028",  # every edge space str.strip() removes
    "\u200bann@example.org",  # a zero-width space is not whitespace: kept
    "JOSÉ.ÅSTRÖM@Example.org",
    "Straße@example.org",
    "a b@example.org",  # inner spaces are kept
    "   ",
    "",
]


@pytest.fixture(scope="module")
def cursor():
    con = duckdb.connect()
    define_email_key(con)
    yield con
    con.close()


@pytest.mark.parametrize("address", ADDRESSES)
def test_python_and_sql_agree(cursor, address):
    macro, inline = cursor.execute(
        f"SELECT iw_email_key($a), {email_key_sql('$a')}", {"a": address}
    ).fetchone()
    assert macro == inline == email_key(address)


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("  Ann@Example.ORG\t", "ann@example.org"),
        ("\u00a0ann@example.org\u3000", "ann@example.org"),
        ("a b@Example.org", "a b@example.org"),
        ("   ", ""),
    ],
)
def test_trimmed_and_lower_cased(address, key):
    assert email_key(address) == key


def test_null_stays_null(cursor):
    assert cursor.execute("SELECT iw_email_key(NULL::VARCHAR)").fetchone() == (None,)
