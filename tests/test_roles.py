"""Roles: the roles file, the e-mail to role mapping, the local role."""

from __future__ import annotations

from pathlib import Path

import pytest

from insight_workbench.dashboard import roles
from insight_workbench.errors import InputError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roles.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_roles_file_maps_emails_case_insensitively(tmp_path: Path) -> None:
    path = write(tmp_path, 'dpo = ["DPO@Example.org "]\nanalyst = ["ana@example.org"]\n')
    mapping = roles.load_roles(path)
    assert roles.role_for_email("dpo@example.ORG", mapping) == "dpo"
    assert roles.role_for_email(" ana@example.org", mapping) == "analyst"
    assert roles.role_for_email("someone@example.org", mapping) is None
    assert roles.role_for_email(None, mapping) is None


def test_a_roles_file_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "roles.toml"
    path.write_bytes('dpo = ["dpo@example.org"]\n'.encode("utf-8-sig"))
    assert roles.load_roles(path) == {"dpo@example.org": "dpo"}


DPO_FILE = """
dpo = ["Jos\u00e9.Stra\u00dfe@Example.org"]
analyst = ["ana@example.org", "ipek@example.org"]
"""


@pytest.mark.parametrize(
    ("email", "role"),
    [
        ("JOSE\u0301.STRA\u1e9eE@EXAMPLE.ORG", "dpo"),  # decomposed É, capital ẞ
        ("jos\u00e9.strasse@example.org", None),  # ss is not ß: another address
        ("\uff41\uff4e\uff41\uff20\uff45xample.org", "analyst"),  # full-width
        ("a\u200bna@example.org\u00a0", "analyst"),  # zero-width and no-break spaces
        ("ana+x@example.org", None),  # a sub-address is another mailbox
        ("\u0130PEK@example.org", "analyst"),  # Turkish dotted capital I is i
        ("\u0131pek@example.org", None),  # the dotless ı is not
        ("jos\u00e9.strasse@example.org.evil", None),
        ("\u200b", None),  # nothing once invisible characters go
        ("", None),
    ],
)
def test_sign_in_addresses_compare_as_every_address(
    tmp_path: Path, email: str, role: str | None
) -> None:
    mapping = roles.load_roles(write(tmp_path, DPO_FILE))
    assert roles.role_for_email(email, mapping) == role


def test_a_folded_look_alike_domain_gets_no_role(tmp_path: Path) -> None:
    """strasse.de and straße.de are two domains (IDNA 2008): owning one is not owning
    the other, though case folding would make them equal."""
    mapping = roles.load_roles(write(tmp_path, 'dpo = ["dpo@strasse.de"]\n'))
    assert roles.role_for_email("dpo@stra\u00dfe.de", mapping) is None
    assert roles.role_for_email("DPO@STRASSE.DE", mapping) == "dpo"
    mapping = roles.load_roles(write(tmp_path, 'dpo = ["dpo@stra\u00dfe.de"]\n'))
    assert roles.role_for_email("dpo@strasse.de", mapping) is None
    assert roles.role_for_email("DPO@STRA\u1e9eE.DE", mapping) == "dpo"  # capital ẞ


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('admin = ["a@example.org"]', "unknown role 'admin'"),
        ('dpo = "a@example.org"', "'dpo' must be a list"),
        ('dpo = ["a@example.org"]\nanalyst = ["A@example.org"]', "under both roles"),
        ("dpo = [", "not valid TOML"),
        ('dpo = ["a@example.org", "\u200b "]', "'dpo' lists an empty e-mail address"),
    ],
)
def test_bad_roles_file_is_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        roles.load_roles(write(tmp_path, text))


def test_missing_roles_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="roles file not found"):
        roles.load_roles(tmp_path / "absent.toml")


def test_roles_file_location(tmp_path: Path) -> None:
    assert roles.roles_file({}, tmp_path) == tmp_path / ".streamlit" / "roles.toml"
    assert roles.roles_file({"INSIGHT_ROLES_FILE": "/etc/r.toml"}, tmp_path) == Path("/etc/r.toml")


@pytest.mark.parametrize(
    ("environ", "expected"),
    [({"INSIGHT_ROLE": "dpo"}, "dpo"), ({"INSIGHT_ROLE": " Analyst "}, "analyst")],
)
def test_local_role(environ: dict[str, str], expected: str) -> None:
    assert roles.local_role(environ) == expected


@pytest.mark.parametrize(
    ("environ", "message"),
    [({}, "not set"), ({"INSIGHT_ROLE": "admin"}, "must be 'dpo' or 'analyst'")],
)
def test_local_role_refused(environ: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        roles.local_role(environ)


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("", False),
        (None, False),
    ],
)
def test_is_loopback(address: str | None, expected: bool) -> None:
    assert roles.is_loopback(address) is expected
