"""Keyed pseudonyms for analysts: HMAC-SHA256 of a user id under a secret key.

A plain hash of a user id or email can be reversed by hashing every known id
(DEID-002); a keyed hash cannot without the key. The same key gives the same
pseudonym in every run, so analysts can follow a user over time; another key
gives unrelated pseudonyms.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from insight_workbench.errors import InputError
from insight_workbench.small_files import KEY_BYTES, read_small

KEY_VARIABLE = "INSIGHT_PSEUDONYM_KEY"
KEY_FILE_VARIABLE = "INSIGHT_PSEUDONYM_KEY_FILE"
SECRETS_KEY = "pseudonym_key"
MIN_KEY_BYTES = 16
PREFIX = "p_"
ORG_PREFIX = "o_"
DIGEST_CHARS = 20  # 80 bits: no collision expected below a trillion users


def load_pseudonym_key(
    environ: Mapping[str, str] | None = None,
    secrets: Mapping[str, Any] | None = None,
    file_named_by: str = KEY_FILE_VARIABLE,
) -> bytes:
    """The secret key, from `INSIGHT_PSEUDONYM_KEY`, else the file named by
    `INSIGHT_PSEUDONYM_KEY_FILE`, else `pseudonym_key` of a Streamlit secrets mapping.
    A message about the file names it as `file_named_by` (the option that gave it).

    Refuses (InputError) a missing key or one shorter than 16 bytes: analyst mode
    never runs on a guessable key. The key itself never appears in a message.
    """
    env = os.environ if environ is None else environ
    text = env.get(KEY_VARIABLE, "").strip()
    source = KEY_VARIABLE
    if not text and env.get(KEY_FILE_VARIABLE, "").strip():
        path = Path(env[KEY_FILE_VARIABLE].strip()).expanduser()
        source = f"{file_named_by} ({path.name})"
        try:
            text = read_small(path, source, KEY_BYTES).decode("utf-8").strip()
        except FileNotFoundError:
            raise InputError(f"{source}: the key file does not exist") from None
        except (OSError, UnicodeDecodeError):
            raise InputError(f"{source}: the key file cannot be read as text") from None
    if not text and secrets is not None and SECRETS_KEY in secrets:
        source = f"secrets '{SECRETS_KEY}'"
        text = str(secrets[SECRETS_KEY]).strip()
    if not text:
        raise InputError(
            f"no pseudonymisation key: set {KEY_VARIABLE}, or {KEY_FILE_VARIABLE} to a key "
            f"file, or '{SECRETS_KEY}' in the Streamlit secrets; analyst mode needs one"
        )
    key = text.encode("utf-8")
    if len(key) < MIN_KEY_BYTES:
        raise InputError(f"{source}: the key is shorter than {MIN_KEY_BYTES} bytes")
    return key


def pseudonym(user_id: str, key: bytes) -> str:
    """The pseudonym of one user id: `p_` and the first 20 hex digits of HMAC-SHA256."""
    digest = hmac.new(key, user_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return PREFIX + digest[:DIGEST_CHARS]


def pseudonym_map(user_ids: Iterable[str], key: bytes) -> dict[str, str]:
    """Pseudonyms of a set of user ids (call it on distinct ids, not on log rows)."""
    return {user_id: pseudonym(user_id, key) for user_id in user_ids}


def org_pseudonym(org_id: str, key: bytes) -> str:
    """The pseudonym of an organisation id: `o_` and 20 hex digits. An org id is free
    text in an export (it may be a name); the `org:` prefix keeps an org id that equals
    some user id from getting that user's digest."""
    digest = hmac.new(key, f"org:{org_id}".encode(), hashlib.sha256).hexdigest()
    return ORG_PREFIX + digest[:DIGEST_CHARS]
