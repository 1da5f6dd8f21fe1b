"""DEID-001: direct identifiers inside de-identified datasets."""

from __future__ import annotations

import unicodedata

USERS = [
    {
        "user_id": "U1001",
        "org_id": "O1",
        "name": "Ann Lee",
        "email": " Ann.Lee@Example.org ",
        "telephone": "+44 20 7946 0958",
        "role": "user",
        "created_at": "2025-01-01T00:00:00Z",
    },
    {
        "user_id": "U1002",
        "org_id": "O1",
        "name": "Bo Chan",
        "email": "bo@example.org",
        "telephone": "555 1234",
        "role": "user",
        "created_at": "2025-01-01T00:00:00Z",
    },
    {
        "user_id": "U1003",
        "org_id": "O1",
        "name": "Cy Dee",
        "email": "cy@example.org",
        "telephone": "555 123",
        "role": "user",
        "created_at": "2025-01-01T00:00:00Z",
        "deleted_at": "2026-01-01T00:00:00Z",
    },  # soft-deleted: still held
    {
        "user_id": "U1004",
        "org_id": "O1",
        "name": "Κώστας Παππάς",
        "email": "kp@example.org",
        "role": "user",
        "created_at": "2025-01-01T00:00:00Z",
    },  # a Greek name ending in a final sigma
    {
        "user_id": "U1005",
        "org_id": "O1",
        "name": "İpek Yılmaz",
        "email": "iy@example.org",
        "role": "user",
        "created_at": "2025-01-01T00:00:00Z",
    },  # a Turkish dotted capital I
    *(
        {
            "user_id": f"U200{i}",
            "org_id": "O1",
            "name": f"Person {i}",
            "email": email,
            "role": "user",
            "created_at": "2025-01-01T00:00:00Z",
        }
        for i, email in enumerate(
            ["Jose\u0301@example.org", "stra\u00dfe@example.org", "\u0130z@example.org"]
        )
    ),  # é decomposed, ß, Turkish dotted capital I
]
LOGINS = [
    {
        "login_id": "L1",
        "ts": "2026-01-01T00:00:00Z",
        "user_id": "U1001",
        "success": True,
        "ip": "host-17.example.net",
    }
]


GREEK = ["held user name"]  # in capitals, a name's Σ is its final ς too
CASES = [
    ("write to someone@example.co.uk today", ["email address"]),  # inside longer text
    ("someone@example", None),  # no top-level domain: not local@domain.tld
    ("reply to ann~@example.org", ["email address"]),  # any sign an address may have
    ("template {user}@example.com", None),  # a placeholder, not an address
    ("https://medium.com/@john.smith", None),  # a handle in a link
    ("https://www.tiktok.com/@charli.damelio?lang=en", None),
    ("a!b#c$d&e*f/g=h?i^j`k|l'm@example.org", ["email address"]),
    ("192.0.2.44", ["IP address"]),
    (" 192.0.2.44 ", ["IP address"]),  # trimmed
    ("2001:db8::8a2e:370:7334", ["IP address"]),  # IPv6
    ("::ffff:192.0.2.44", ["IP address"]),  # IPv4-mapped IPv6
    ("10:00:00", None),  # a time, not an address
    ("192.0.2.44 and more", None),  # the whole value must be the address
    ("999.1.1.1", None),
    ("192.000.002.044", ["IP address"]),  # padded with zeros, as logs often write them
    ("010.0.0.001", ["IP address"]),
    ("192.0.2.256", None),  # no part may pass 255
    ("192.0.2.0044", None),  # nor have more than three digits
    ("::ffff:192.000.002.044", ["IP address"]),  # padded inside an IPv6 address too
    ("::ffff:192.0.2.0044", None),
    ("ann.lee@example.org", ["email address", "held email address"]),
    # compared as every email is (emails.email_key): no-break spaces trimmed too
    ("\u00a0ANN.LEE@EXAMPLE.ORG", ["email address", "held email address"]),
    # the same address in another Unicode spelling
    ("JOS\u00c9@EXAMPLE.ORG", ["email address", "held email address"]),  # É composed
    ("ren\u00e9e@example.fr", ["email address"]),  # letters of any script, accents too
    ("ren\u00e9@example.fr", ["email address"]),
    ("ann@m\u00fcnchen.de", ["email address"]),
    ("\u03b4\u03bf\u03ba\u03b9\u03bc\u03ae@example.gr", ["email address"]),
    ("STRA\u1e9eE@example.org", ["email address", "held email address"]),  # ẞ is ß
    ("STRASSE@example.org", ["email address"]),  # ss is not ß: another address
    ("\uff43\uff59\uff20\uff45xample.org", ["held email address"]),  # full-width
    ("c\u200by@example.org\u2060", ["email address", "held email address"]),  # zero-width
    ("bo\u202f@example.org", ["held email address"]),  # narrow no-break space
    ("i\u0307z@example.org", ["email address", "held email address"]),  # i with a dot
    ("Iz@example.org", ["email address", "held email address"]),  # I is İ
    ("\u0131z@example.org", ["email address"]),  # the dotless ı is not
    ("bo+x@example.org", ["email address"]),  # a sub-address is another address
    ("ANN LEE", ["held user name"]),  # case-insensitive
    ("\u039a\u038f\u03a3\u03a4\u0391\u03a3 \u03a0\u0391\u03a0\u03a0\u0386\u03a3", GREEK),
    (" u1001 ", ["held user id"]),
    ("\u00a0u1001", ["held user id"]),  # a no-break space is trimmed too
    ("\x0bu1001", ["held user id"]),  # and a vertical tab
    ("ANN LEE\u00a0", ["held user name"]),
    ("HOST-17.example.net\u3000", ["held login IP address"]),  # an ideographic space
    ("u1003", ["held user id"]),  # a soft-deleted user is still held
    ("HOST-17.example.net", ["held login IP address"]),
    ("020 7946 0958", None),  # digits differ from +44 20 7946 0958
    ("44-20-7946-0958", ["held telephone number"]),
    ("5551234", ["held telephone number"]),  # 7 digits
    ("555-123", None),  # 6 digits: too few, even though they match a telephone
    ("i\u0307pek yılmaz", ["held user name"]),  # "İpek Yılmaz".lower() in Python
    ("ipek yılmaz", ["held user name"]),  # as DuckDB lower-cases it
    # the accent typed as its own character (NFD): the same name to every reader
    (unicodedata.normalize("NFD", "Κώστας Παππάς"), ["held user name"]),
    ("Ann", None),
    ("", None),  # empty values are ignored
]


def test_direct_identifier(run_rule):
    # One dataset, one column per case: a single snapshot load for the whole table.
    rows = [
        {f"c{i:02d}": value for i, (value, _) in enumerate(CASES)},
        {f"c{i:02d}": "" for i in range(len(CASES))},  # empty values are ignored
    ]
    findings = run_rule(
        "DEID-001", {"users": USERS, "logins": LOGINS}, deidentified={"release": (rows, None)}
    )
    found = {f.key: f for f in findings}
    for i, (value, kinds) in enumerate(CASES):
        finding = found.get(f"dataset:release:c{i:02d}")
        if kinds is None:
            assert finding is None, value
            continue
        assert finding is not None, value
        assert finding.evidence == {"cells": 1, "kinds": sorted(kinds)}, value
        assert finding.severity == "high"
        assert value.strip() not in finding.message
    assert len(findings) == sum(1 for _, kinds in CASES if kinds)


def test_one_finding_per_column_and_dataset(run_rule):
    rows = [{"a": "192.0.2.1", "b": "x@example.org", "c": "fine"}] * 3
    findings = run_rule(
        "DEID-001",
        {"users": USERS},
        deidentified={"one": (rows, None), "two": ([{"z": "bo chan"}], None)},
    )
    assert [f.key for f in findings] == [
        "dataset:one:a",
        "dataset:one:b",
        "dataset:two:z",
    ]
    assert findings[0].evidence["cells"] == 3


def test_parquet_dataset(run_rule):
    rows = [{"n": "12", "where": "2001:db8::1"}]
    findings = run_rule("DEID-001", {}, deidentified={"p": (rows, None)}, fmt="parquet")
    assert [f.key for f in findings] == ["dataset:p:where"]


def _nested_release(folder):
    """deidentified/nested.parquet: a struct, a list and a map column, and a text
    column holding JSON (one value, not a nested one)."""
    import duckdb

    (folder / "deidentified").mkdir(exist_ok=True)
    con = duckdb.connect()
    con.execute(
        """COPY (SELECT * FROM (VALUES
            ({'uid': 'U1001', 'n': 3}, ['x'], MAP {'k': 1}, '{"uid": "U1001"}',
             {'tel': 5551234::DECIMAL(12, 0)}, {'bo chan': 1}),
            ({'uid': 'z', 'n': 4}, ['Bo Chan', 'bo@example.org'],
             MAP {' ANN.LEE@example.org': 2}, 'x', NULL, {'bo chan': 2}),
            ({'uid': 'z', 'n': 5}, ['555 1234'], NULL, NULL, NULL, NULL)
        ) AS t(s, l, m, j, d, f)) TO ? (FORMAT parquet)""",
        [str(folder / "deidentified" / "nested.parquet")],
    )
    con.close()


def test_each_value_inside_a_nested_parquet_value_is_judged(run_rule):
    """A user id in a struct's field, a name in a list, an address as a map's key, a
    telephone number typed DECIMAL inside a struct: each is a value of the column. A
    cell counts once, however many identifiers it holds; a struct's field names are
    the dataset's layout, not values (`bo chan` in every row); a text column's JSON is
    one value, as any text is."""
    findings = run_rule("DEID-001", {"users": USERS}, edit=_nested_release)
    found = {f.key: f.evidence for f in findings}
    assert found == {
        "dataset:nested:s": {"cells": 1, "kinds": ["held user id"]},
        "dataset:nested:l": {
            "cells": 2,
            "kinds": [
                "email address",
                "held email address",
                "held telephone number",
                "held user name",
            ],
        },
        "dataset:nested:m": {"cells": 1, "kinds": ["email address", "held email address"]},
        "dataset:nested:d": {"cells": 1, "kinds": ["held telephone number"]},
    }
