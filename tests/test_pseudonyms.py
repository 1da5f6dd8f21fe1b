"""Keyed pseudonyms and where the key comes from."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from insight_workbench.analyst.pseudonyms import load_pseudonym_key, pseudonym, pseudonym_map
from insight_workbench.errors import InputError

KEY = b"a-long-enough-secret-key-0123456789"
OTHER = b"another-secret-key-9876543210abcdef"


def test_same_key_same_pseudonym_and_other_key_other_pseudonym():
    ids = [f"USR-{n}" for n in range(500)]
    first, again, other = (
        pseudonym_map(ids, KEY),
        pseudonym_map(ids, KEY),
        pseudonym_map(ids, OTHER),
    )
    assert first == again
    assert all(first[i] != other[i] for i in ids)
    assert len(set(first.values())) == len(ids)


def test_pseudonym_is_keyed_not_a_plain_hash():
    value = pseudonym("USR-1", KEY)
    assert value.startswith("p_")
    assert len(value) == 22
    digest = value.removeprefix("p_")
    for plain in (hashlib.sha256, hashlib.sha1, hashlib.md5):
        assert not plain(b"USR-1").hexdigest().startswith(digest)
    assert "USR-1" not in value


def test_key_from_environment_variable():
    assert load_pseudonym_key({"INSIGHT_PSEUDONYM_KEY": " " + KEY.decode() + "\n"}) == KEY


def test_key_from_file(tmp_path: Path):
    path = tmp_path / "pseudonym.key"
    path.write_text(KEY.decode() + "\n", encoding="utf-8")
    assert load_pseudonym_key({"INSIGHT_PSEUDONYM_KEY_FILE": str(path)}) == KEY


def test_key_file_under_tilde_is_in_the_home_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "pseudonym.key").write_bytes(KEY)
    assert load_pseudonym_key({"INSIGHT_PSEUDONYM_KEY_FILE": "~/pseudonym.key"}) == KEY


def test_key_from_streamlit_secrets():
    assert load_pseudonym_key({}, {"pseudonym_key": KEY.decode()}) == KEY


def test_environment_wins_over_file_and_secrets(tmp_path: Path):
    path = tmp_path / "k"
    path.write_text(OTHER.decode(), encoding="utf-8")
    environ = {"INSIGHT_PSEUDONYM_KEY": KEY.decode(), "INSIGHT_PSEUDONYM_KEY_FILE": str(path)}
    assert load_pseudonym_key(environ, {"pseudonym_key": "x" * 40}) == KEY
    assert (
        load_pseudonym_key({"INSIGHT_PSEUDONYM_KEY_FILE": str(path)}, {"pseudonym_key": "x" * 40})
        == OTHER
    )


@pytest.mark.parametrize(
    ("environ", "secrets", "expected"),
    [
        ({}, None, "no pseudonymisation key"),
        ({"INSIGHT_PSEUDONYM_KEY": "   "}, {}, "no pseudonymisation key"),
        ({"INSIGHT_PSEUDONYM_KEY": "short-key"}, None, "shorter than 16 bytes"),
        ({}, {"pseudonym_key": "tiny"}, "shorter than 16 bytes"),
        ({"INSIGHT_PSEUDONYM_KEY_FILE": "/nonexistent/pseudonym.key"}, None, "does not exist"),
    ],
)
def test_missing_or_weak_key_is_refused(environ, secrets, expected):
    with pytest.raises(InputError, match=expected) as error:
        load_pseudonym_key(environ, secrets)
    for value in (*environ.values(), *(secrets or {}).values()):
        if value.strip() and "/" not in value:
            assert value not in str(error.value)
