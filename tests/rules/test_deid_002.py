"""DEID-002: unsalted hashes of held emails and user ids."""

from __future__ import annotations

import hashlib

USERS = [
    {
        "user_id": "U1001",
        "org_id": "O1",
        "name": "Ann Lee",
        "email": "  Ann.Lee@Example.ORG ",
        "role": "user",
        "created_at": "2025-01-01T00:00:00Z",
    },
    {
        "user_id": "U1002",
        "org_id": "O1",
        "name": "Bo Chan",
        "email": "bo@example.org",
        "role": "user",
        "created_at": "2025-01-01T00:00:00Z",
    },
    {  # lower-cased letter by letter (DuckDB) and with Unicode's special casing (Python,
        # JavaScript, Java): a final sigma, a dotted capital I
        "user_id": "İD-7",
        "org_id": "O1",
        "name": "Kostas P",
        "email": "ΚΏΣΤΑΣ@EXAMPLE.GR",
        "role": "user",
        "created_at": "2025-01-01T00:00:00Z",
    },
    {
        "user_id": "U1004",
        "org_id": "O1",
        "name": "Ipek Y",
        "email": "İPEK@EXAMPLE.TR",
        "role": "user",
        "created_at": "2025-01-01T00:00:00Z",
    },
]


def digest(algorithm: str, text: str) -> str:
    return hashlib.new(algorithm, text.encode()).hexdigest()


CASES = [
    (digest("md5", "bo@example.org"), ["MD5 of email"]),
    (digest("sha1", "bo@example.org"), ["SHA-1 of email"]),
    (digest("sha256", "bo@example.org"), ["SHA-256 of email"]),
    # the held email is mixed-case and padded: hashed trimmed and lower-cased
    (digest("md5", "ann.lee@example.org"), ["MD5 of email"]),
    (digest("sha256", "ann.lee@example.org").upper(), ["SHA-256 of email"]),  # upper hex
    (" " + digest("sha1", "ann.lee@example.org") + " ", ["SHA-1 of email"]),  # padded
    (digest("md5", "U1001"), ["MD5 of user_id"]),
    (digest("sha256", "u1001"), ["SHA-256 of user_id"]),
    (digest("sha256", "κώστας@example.gr"), ["SHA-256 of email"]),  # "ΚΏΣΤΑΣ…".lower()
    (digest("sha256", "κώστασ@example.gr"), ["SHA-256 of email"]),  # DuckDB's lower
    (digest("md5", "i\u0307pek@example.tr"), ["MD5 of email"]),  # "İPEK…".lower()
    (digest("sha1", "i\u0307d-7"), ["SHA-1 of user_id"]),
    (digest("md5", "carol@example.org"), None),  # not a held email
    (digest("md5", "bo@example.org")[:31], None),  # not a whole digest
    (digest("sha256", "bo@example.org") + "0", None),
    (hashlib.sha512(b"bo@example.org").hexdigest(), None),  # other algorithms not listed
    ("", None),
]


def test_unsalted_hash(run_rule):
    # One dataset, one column per case: a single snapshot load for the whole table.
    rows = [
        {f"c{i:02d}": value for i, (value, _) in enumerate(CASES)},
        {f"c{i:02d}": "" for i in range(len(CASES))},  # empty values are ignored
    ]
    findings = run_rule("DEID-002", {"users": USERS}, deidentified={"events": (rows, None)})
    found = {f.key: f for f in findings}
    for i, (value, hashes) in enumerate(CASES):
        finding = found.get(f"dataset:events:c{i:02d}")
        if hashes is None:
            assert finding is None, i
            continue
        assert finding is not None, i
        assert finding.evidence == {"cells": 1, "hashes": hashes}, i
        assert finding.severity == "high"
        assert value.strip() not in finding.message
    assert len(findings) == sum(1 for _, hashes in CASES if hashes)


def test_salted_hash_passes(run_rule):
    salted = digest("sha256", "pepper:bo@example.org")
    rows = [{"who": salted}]
    assert run_rule("DEID-002", {"users": USERS}, deidentified={"events": (rows, None)}) == []


def test_cells_counted_per_column(run_rule):
    rows = [{"who": digest("md5", "bo@example.org"), "other": digest("sha1", "U1002")}] * 4
    findings = run_rule("DEID-002", {"users": USERS}, deidentified={"events": (rows, None)})
    assert [(f.key, f.evidence["cells"]) for f in findings] == [
        ("dataset:events:other", 4),
        ("dataset:events:who", 4),
    ]


def test_a_hash_inside_a_nested_parquet_value_is_found(run_rule):
    def release(folder):
        import duckdb

        (folder / "deidentified").mkdir(exist_ok=True)
        con = duckdb.connect()
        con.execute(
            "COPY (SELECT * FROM (VALUES ([?, ?], {'h': 'x'}), (['y'], {'h': ?}))"
            " AS t(l, s)) TO ? (FORMAT parquet)",
            [
                digest("md5", "bo@example.org"),
                digest("sha1", "U1001"),
                digest("sha256", "U1002"),
                str(folder / "deidentified" / "hashes.parquet"),
            ],
        )
        con.close()

    findings = run_rule("DEID-002", {"users": USERS}, edit=release)
    assert {f.key: f.evidence for f in findings} == {
        "dataset:hashes:l": {"cells": 1, "hashes": ["MD5 of email", "SHA-1 of user_id"]},
        "dataset:hashes:s": {"cells": 1, "hashes": ["SHA-256 of user_id"]},
    }
