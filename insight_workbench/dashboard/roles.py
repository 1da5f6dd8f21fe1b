"""Who may use the workbench, and as what.

Two roles: `dpo` (may see identifiable records) and `analyst` (only ever handed
analyst-safe data). With OIDC sign-in the role comes from a roles file that
maps e-mail addresses to roles; without it the app is a local single-user tool
whose role is set by `INSIGHT_ROLE`.

Roles file (TOML, default `.streamlit/roles.toml`, `INSIGHT_ROLES_FILE` overrides):

    dpo = ["dpo@example.org"]
    analyst = ["ana@example.org", "sam@example.org"]

Addresses are compared as every address is (`emails.email_key`): lower-cased,
not case-folded, so `straße.de` and `strasse.de` stay two domains, which
different people may own; owning one never grants a role listed under the other.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path

from insight_workbench.emails import email_key
from insight_workbench.errors import InputError
from insight_workbench.small_files import TEXT_BYTES, read_small

DPO = "dpo"
ANALYST = "analyst"
ROLES = (DPO, ANALYST)
DEFAULT_ROLES_FILE = Path(".streamlit") / "roles.toml"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def roles_file(environ: Mapping[str, str], base: Path) -> Path:
    """The roles file: `INSIGHT_ROLES_FILE`, else `.streamlit/roles.toml` under `base`."""
    configured = environ.get("INSIGHT_ROLES_FILE", "").strip()
    return Path(configured) if configured else base / DEFAULT_ROLES_FILE


def load_roles(path: Path) -> dict[str, str]:
    """Sign-in key -> role; a bad file is an `InputError` naming the key."""
    try:
        text = read_small(path, f"{path.name}: the roles file", TEXT_BYTES)
        data = tomllib.loads(text.decode("utf-8-sig"))
    except FileNotFoundError:
        raise InputError(f"{path.name}: roles file not found, so nobody has a role") from None
    except OSError as error:
        raise InputError(f"{path.name}: the roles file cannot be read ({error.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        raise InputError(f"{path.name}: not valid TOML") from None
    mapping: dict[str, str] = {}
    for role, emails in data.items():
        if role not in ROLES:
            raise InputError(f"{path.name}: unknown role '{role}' (expected dpo or analyst)")
        if not isinstance(emails, list) or not all(isinstance(e, str) for e in emails):
            raise InputError(f"{path.name}: '{role}' must be a list of e-mail addresses")
        for email in emails:
            key = email_key(email)
            if not key:
                raise InputError(f"{path.name}: '{role}' lists an empty e-mail address")
            if mapping.get(key, role) != role:
                # Ambiguity must not grant the wider role silently.
                raise InputError(f"{path.name}: an address is listed under both roles")
            mapping[key] = role
    return mapping


def role_for_email(email: str | None, roles: Mapping[str, str]) -> str | None:
    """The role of a signed-in user, or None when they have none."""
    key = email_key(email or "")
    return roles.get(key) if key else None


def unverified(claim: object) -> bool:
    """Whether the identity provider says the e-mail address was not verified (the ID
    token's `email_verified`, a boolean, or "false" as some providers write it): anyone
    may then have typed any address, the DPO's included."""
    return claim is False or (isinstance(claim, str) and claim.strip().lower() == "false")


def local_role(environ: Mapping[str, str]) -> str:
    """The role of the local single-user tool, from `INSIGHT_ROLE`."""
    role = environ.get("INSIGHT_ROLE", "").strip().lower()
    if not role:
        raise InputError("INSIGHT_ROLE is not set: start the app with INSIGHT_ROLE=dpo or analyst")
    if role not in ROLES:
        raise InputError("INSIGHT_ROLE must be 'dpo' or 'analyst'")
    return role


def is_loopback(address: str | None) -> bool:
    """Without sign-in the app may only listen on the loopback interface."""
    return (address or "").strip() in LOOPBACK
