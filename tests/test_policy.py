"""`load_policy`: the defaults of docs/rule-semantics.md, overrides laid over them, and bad policy
files refused with a message naming the file and the key."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

import pytest

from insight_workbench.errors import InputError
from insight_workbench.policy import RANGES, Policy, load_policy

# The defaults table of docs/rule-semantics.md ("Policy settings").
RULES_MD_DEFAULTS = {
    "retention": {"closed_account_days": 28, "potential_customer_months": 3},
    "subject_requests": {
        "response_months": 1,
        "extended_months": 3,
        "holidays": "england-and-wales",
        "timezone": "Europe/London",
    },
    "communications": {"opt_out_grace_hours": 0},
    "access": {"failed_logins_per_account": 10, "failed_logins_per_ip": 20, "window_minutes": 15},
    "deidentification": {"k": 10, "min_cell": 10},
    "third_parties": {"review_months": 12},
}


def policy_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "override.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_are_those_of_the_rules_catalogue() -> None:
    assert load_policy().as_dict() == RULES_MD_DEFAULTS


def test_every_setting_is_a_whole_number_with_its_range_or_text() -> None:
    """What the loader can check: a whole number (refused outside its range in RANGES)
    or text. A newcomer's setting of another type, or a number without a range, fails
    here, not as a traceback when the policy is first read."""
    for section, cls in typing.get_type_hints(Policy).items():
        for setting in dataclasses.fields(cls):
            where = f"[{section}].{setting.name}"
            assert setting.type in ("int", "str"), (
                f"{where}: a policy setting is a whole number or text (policy.py's _section)"
            )
            if setting.type == "int":
                assert (section, setting.name) in RANGES, (
                    f"{where}: add its sane range to RANGES in insight_workbench/policy.py"
                )


def test_policy_is_frozen() -> None:
    policy = load_policy()
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.retention.closed_account_days = 1  # type: ignore[misc]


def test_override_changes_only_the_keys_given(tmp_path: Path) -> None:
    path = policy_file(
        tmp_path,
        "[retention]\nclosed_account_days = 14\n\n[subject_requests]\nholidays = 'scotland'\n",
    )
    policy = load_policy(path)
    expected = {**RULES_MD_DEFAULTS}
    expected["retention"] = {**expected["retention"], "closed_account_days": 14}
    expected["subject_requests"] = {**expected["subject_requests"], "holidays": "scotland"}
    assert policy.as_dict() == expected


def test_a_policy_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    """Editors on Windows save UTF-8 with a byte order mark: TOML read it as a stray
    character and refused the whole file."""
    path = tmp_path / "policy.toml"
    path.write_bytes(b"\xef\xbb\xbf[retention]\nclosed_account_days = 14\n")
    assert load_policy(path).retention.closed_account_days == 14


def test_empty_override_is_the_default(tmp_path: Path) -> None:
    assert load_policy(policy_file(tmp_path, "")).as_dict() == RULES_MD_DEFAULTS


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[retention]\nclosed_acount_days = 3\n", "unknown key [retention].closed_acount_days"),
        ("[retentions]\nclosed_account_days = 3\n", "unknown section [retentions]"),
        ("retention = 3\n", "[retention] must be a table"),
        (
            "closed_account_days = 27\n",
            "setting closed_account_days is outside any [section] (it belongs under [retention])",
        ),
        ("no_such_setting = 1\n", "setting no_such_setting is outside any [section]"),
        (
            "[retention]\nclosed_account_days = '28'\n",
            "[retention].closed_account_days must be a whole number from 0 to 36500",
        ),
        (
            "[retention]\nclosed_account_days = 2.5\n",
            "[retention].closed_account_days must be a whole number from 0 to 36500",
        ),
        (
            "[retention]\nclosed_account_days = true\n",
            "[retention].closed_account_days must be a whole number from 0 to 36500",
        ),
        (
            "[access]\nwindow_minutes = -1\n",
            "[access].window_minutes must be a whole number from 1",
        ),
        ("[access]\nwindow_minutes = 0\n", "[access].window_minutes must be a whole number from 1"),
        ("[deidentification]\nk = 0\n", "[deidentification].k must be a whole number from 1 to"),
        (  # "10 or more failed logins" with 0 would judge as 1: a threshold of none
            "[access]\nfailed_logins_per_account = 0\n",
            "[access].failed_logins_per_account must be a whole number from 1 to 1000000",
        ),
        (
            "[access]\nfailed_logins_per_ip = 0\n",
            "[access].failed_logins_per_ip must be a whole number from 1 to 1000000",
        ),
        (
            "[retention]\nclosed_account_days = 9223372036854775807\n",
            "[retention].closed_account_days must be a whole number from 0 to 36500",
        ),
        (
            "[subject_requests]\nresponse_months = 1201\n",
            "[subject_requests].response_months must be a whole number from 0 to 1200",
        ),
        (
            "[communications]\nopt_out_grace_hours = 8761\n",
            "[communications].opt_out_grace_hours must be a whole number from 0 to 8760",
        ),
        (
            "[deidentification]\nmin_cell = 1000001\n",
            "[deidentification].min_cell must be a whole number from 1 to 1000000",
        ),
        ("[subject_requests]\nholidays = 3\n", "[subject_requests].holidays must be a string"),
        ("[subject_requests]\nholidays = 'mars'\n", "[subject_requests].holidays must be one of"),
        (
            "[subject_requests]\ntimezone = 'Europe/Nowhere'\n",
            "[subject_requests].timezone is not a known time zone",
        ),
        (
            "[subject_requests]\ntimezone = 'localtime'\n",
            "[subject_requests].timezone is not a known time zone",
        ),
        ("[retention\nclosed_account_days = 3\n", "not valid TOML"),
    ],
)
def test_bad_override_names_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError) as raised:
        load_policy(policy_file(tmp_path, text))
    assert str(raised.value).startswith("override.toml: ")
    assert message in str(raised.value)


def test_unreadable_policy_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="policy file not found"):
        load_policy(tmp_path / "missing.toml")
    with pytest.raises(InputError, match="cannot be read"):
        load_policy(tmp_path)
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe[retention]")
    with pytest.raises(InputError, match=r"^binary\.toml: not valid TOML"):
        load_policy(binary)
