"""`iw_email_keys`: each loaded user's address as compared (`email_key`), stored at load.

A subject-access pack by email reads it (tests/test_sar_pack.py covers the spellings
that find one person); here, what it holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from insight_workbench.emails import email_key
from insight_workbench.loading.snapshot import Snapshot, load_snapshot
from insight_workbench.subject_requests.pack import build_pack
from insight_workbench.testing import build_snapshot

NFD_JOSE = "Jose\u0301@Example.org"


def _user(user_id: str, email: str, created_at: str = "2026-01-05T09:00:00Z") -> dict:
    return {
        "user_id": user_id,
        "org_id": "O1",
        "name": f"Name {user_id}",
        "email": email,
        "role": "user",
        "created_at": created_at,
    }


USERS = [
    _user("U1", NFD_JOSE),
    _user("U2", " Ann@Example.org "),
    _user("U4", "\u200b \u00a0"),  # nothing once keyed: matches nobody
    _user("U5", "ANN@example.ORG"),  # Ann's address again: quarantined at load
    _user("U6", "bad", created_at="not a time"),  # quarantined: its address is not kept
]


@pytest.fixture(params=["csv", "parquet"])
def snapshot(tmp_path: Path, request: pytest.FixtureRequest) -> Snapshot:
    org = {"org_id": "O1", "name": "Org", "product": "local_insight", "status": "active"}
    tables = {"organisations": [org | {"created_at": "2024-01-01T00:00:00Z"}]}
    folder = build_snapshot(tmp_path / "s", {**tables, "users": USERS}, fmt=request.param)
    return load_snapshot(folder)


def test_it_holds_the_key_of_every_loaded_user_with_an_address(snapshot: Snapshot) -> None:
    assert snapshot.rows_rejected["users"] == 2
    stored = snapshot.cursor().execute("SELECT user_id, email_key FROM iw_email_keys")
    assert sorted(stored.fetchall()) == [
        ("U1", email_key(NFD_JOSE)),
        ("U2", "ann@example.org"),
    ]
    assert email_key(NFD_JOSE) == "jos\u00e9@example.org"


def test_a_pack_by_email_finds_the_account_by_its_stored_key(snapshot: Snapshot) -> None:
    assert build_pack(snapshot, email="JOS\u00c9@example.org").user_ids == ("U1",)
    assert build_pack(snapshot, email="ann@EXAMPLE.org\u200b").user_ids == ("U2",)
    assert build_pack(snapshot, email="bad").user_ids == ()  # quarantined, so not held
