"""Signing a run's record (Ed25519), and checking a run against its record.

With `INSIGHT_REPORT_SIGNING_KEY_FILE` naming an Ed25519 private key (PEM, as
`openssl genpkey -algorithm ed25519` writes it), each run's `run.json` carries a
`signature`: the key's public half, its fingerprint, and the signature of the record's
canonical JSON (every other field, keys sorted). The record lists the SHA-256 of each
file the run left and of the shared plotly.js, so the signature covers them all.

`verify_run` recomputes every digest and checks the signature: against the public key
the reader trusts (`--public-key`), else the public half of the configured signing key,
else (nothing to pin) against the key the record names, whose fingerprint it reports.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from insight_workbench.errors import InputError
from insight_workbench.loading.manifest import sha256_file
from insight_workbench.small_files import KEY_BYTES, read_small

KEY_VARIABLE = "INSIGHT_REPORT_SIGNING_KEY_FILE"
SIGNATURE = "signature"
ALGORITHM = "ed25519"


def signing_key_file(env: dict[str, str] | None = None) -> Path | None:
    """The configured private key file, or None when runs are not signed."""
    value = (env if env is not None else os.environ).get(KEY_VARIABLE, "").strip()
    return Path(value).expanduser() if value else None


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 private key in `path`; InputError naming the file (never its bytes)."""
    try:
        data = read_small(path, f"{KEY_VARIABLE}: {path}", KEY_BYTES)
    except OSError as error:
        raise InputError(f"{KEY_VARIABLE}: {path}: cannot read ({error.strerror})") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise InputError(f"{KEY_VARIABLE}: {path}: not an unencrypted PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(f"{KEY_VARIABLE}: {path}: not an Ed25519 key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """An Ed25519 public key (PEM), or the public half of a private key file."""
    try:
        data = read_small(path, f"--public-key {path}", KEY_BYTES)
    except OSError as error:
        raise InputError(f"--public-key {path}: cannot read ({error.strerror})") from None
    try:
        key: Any = serialization.load_pem_public_key(data)
    except ValueError:
        try:
            key = serialization.load_pem_private_key(data, password=None).public_key()
        except (ValueError, TypeError):
            raise InputError(f"--public-key {path}: not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InputError(f"--public-key {path}: not an Ed25519 key")
    return key


def canonical(record: dict[str, Any]) -> bytes:
    """The bytes signed: the record without its signature, keys sorted, no spaces."""
    unsigned = {k: v for k, v in record.items() if k != SIGNATURE}
    text = json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return text.encode("ascii")


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(key: Ed25519PublicKey) -> str:
    return "sha256:" + hashlib.sha256(_raw(key)).hexdigest()[:32]


def sign(record: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """The record with its signature."""
    public = key.public_key()
    return {
        **record,
        SIGNATURE: {
            "algorithm": ALGORITHM,
            "public_key": base64.b64encode(_raw(public)).decode("ascii"),
            "key_fingerprint": fingerprint(public),
            "value": base64.b64encode(key.sign(canonical(record))).decode("ascii"),
        },
    }


@dataclass
class Verdict:
    """What checking one run found: problems (empty: it matches its record)."""

    folder: Path
    problems: list[str] = field(default_factory=list)
    signed_by: str | None = None  # the fingerprint of the key that signed it
    pinned: bool = False  # checked against a key the reader gave or configured

    @property
    def ok(self) -> bool:
        return not self.problems


def _why_no_digests(record: dict[str, Any]) -> str:
    """A record without digests, and why when the run did not finish (killed, failed)."""
    status = record.get("status")
    if status == "succeeded" or not isinstance(status, str):
        return "run.json lists no file digests"
    error = record.get("error")
    named = error.get("ename") if isinstance(error, dict) else None
    how = f"{status}: {named}" if isinstance(named, str) and named else status
    return f"the run did not finish ({how}): run.json lists no file digests"


def verify_run(folder: Path, record: dict[str, Any], trusted: Ed25519PublicKey | None) -> Verdict:
    """Every digest in the record against the files, and its signature."""
    verdict = Verdict(folder)
    digests = record.get("sha256") or {}
    if not digests:
        verdict.problems.append(_why_no_digests(record))
    for name, digest in sorted(digests.items()):
        path = folder / name
        if not path.is_file():
            verdict.problems.append(f"{name}: missing")
        elif sha256_file(path) != digest:
            verdict.problems.append(f"{name}: differs from its SHA-256 in run.json")
    for label, shared in sorted((record.get("shared") or {}).items()):
        path = (folder / str(shared.get("path", ""))).resolve()
        if path.parent != folder.resolve().parent.parent or not path.is_file():
            verdict.problems.append(f"shared {label}: missing")
        elif sha256_file(path) != shared.get("sha256"):
            verdict.problems.append(f"shared {label}: differs from its SHA-256 in run.json")
    _check_signature(verdict, record, trusted)
    return verdict


def _check_signature(
    verdict: Verdict, record: dict[str, Any], trusted: Ed25519PublicKey | None
) -> None:
    signature = record.get(SIGNATURE)
    if not isinstance(signature, dict):
        if trusted is not None:
            verdict.problems.append("run.json is not signed")
        return
    try:
        named = Ed25519PublicKey.from_public_bytes(base64.b64decode(signature["public_key"]))
        value = base64.b64decode(signature["value"])
    except (KeyError, TypeError, ValueError):
        verdict.problems.append("run.json: its signature is malformed")
        return
    key = trusted or named
    verdict.pinned = trusted is not None
    verdict.signed_by = fingerprint(named)
    if trusted is not None and _raw(trusted) != _raw(named):
        verdict.problems.append("run.json is signed by another key than the one trusted")
        return
    try:
        key.verify(value, canonical(record))
    except InvalidSignature:
        verdict.problems.append("run.json: the signature does not match its contents")
