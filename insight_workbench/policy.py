"""Policy numbers: the defaults of `docs/rule-semantics.md`, overridable by a `policy.toml` file."""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, NamedTuple

from insight_workbench.errors import InputError
from insight_workbench.small_files import read_small
from insight_workbench.timeutil import known_timezone

DEFAULT_POLICY_FILE = Path(__file__).with_name("policy.toml")


class HolidayCalendar(NamedTuple):
    country: str  # `holidays`' country and subdivision codes
    subdiv: str
    place: str  # as a sentence names it


HOLIDAY_CALENDARS = {
    "england-and-wales": HolidayCalendar("GB", "ENG", "England and Wales"),
    "scotland": HolidayCalendar("GB", "SCT", "Scotland"),
    "wales": HolidayCalendar("GB", "WLS", "Wales"),
    "northern-ireland": HolidayCalendar("GB", "NIR", "Northern Ireland"),
}

# The sane range of each number (inclusive): beyond it a value is a typing mistake, and
# huge values would overflow date arithmetic in DuckDB.
MAX_COUNT = 1_000_000
RANGES: dict[tuple[str, str], tuple[int, int]] = {
    ("retention", "closed_account_days"): (0, 36_500),
    ("retention", "potential_customer_months"): (0, 1_200),
    ("subject_requests", "response_months"): (0, 1_200),
    ("subject_requests", "extended_months"): (0, 1_200),
    ("communications", "opt_out_grace_hours"): (0, 8_760),
    ("access", "failed_logins_per_account"): (1, MAX_COUNT),
    ("access", "failed_logins_per_ip"): (1, MAX_COUNT),
    ("access", "window_minutes"): (1, 525_600),
    ("deidentification", "k"): (1, MAX_COUNT),
    ("deidentification", "min_cell"): (1, MAX_COUNT),
    ("third_parties", "review_months"): (0, 1_200),
    ("audit", "keep_days"): (90, 36_500),
}
# Sections that judge nothing: left out of `as_dict`, the settings a run is judged under.
NOT_RULE_SETTINGS = ("audit",)


@dataclass(frozen=True)
class Retention:
    closed_account_days: int
    potential_customer_months: int


@dataclass(frozen=True)
class SubjectRequests:
    response_months: int
    extended_months: int
    holidays: str
    timezone: str

    @property
    def holiday_place(self) -> str:
        """Whose bank holidays move a due date, as a sentence says it."""
        return HOLIDAY_CALENDARS[self.holidays].place

    @property
    def local_date(self) -> str:
        """What the rules call the date of an instant: "London date" by default."""
        if self.timezone == "Europe/London":
            return "London date"
        return f"date in {self.timezone}"


@dataclass(frozen=True)
class Communications:
    opt_out_grace_hours: int


@dataclass(frozen=True)
class Access:
    failed_logins_per_account: int
    failed_logins_per_ip: int
    window_minutes: int


@dataclass(frozen=True)
class Deidentification:
    k: int
    min_cell: int


@dataclass(frozen=True)
class ThirdParties:
    review_months: int


@dataclass(frozen=True)
class Audit:
    keep_days: int  # how long the workbench's own audit trail is kept


@dataclass(frozen=True)
class Policy:
    retention: Retention
    subject_requests: SubjectRequests
    communications: Communications
    access: Access
    deidentification: Deidentification
    third_parties: ThirdParties
    audit: Audit

    def as_dict(self) -> dict[str, dict[str, Any]]:
        """The rule settings (every section but `[audit]`): what a run is judged under."""
        return {
            f.name: asdict(getattr(self, f.name))
            for f in fields(self)
            if f.name not in NOT_RULE_SETTINGS
        }

    def fingerprint(self) -> str:
        return settings_fingerprint(self.as_dict())


def settings_fingerprint(settings: dict[str, Any]) -> str:
    """The SHA-256 of a policy's rule settings (`Policy.as_dict`): two loads of a policy
    file judge alike exactly when their fingerprints match."""
    text = json.dumps(settings, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


POLICY_BYTES = 1024 * 1024  # a policy is a page of settings: more is not one


def _parse(path: Path, data: bytes | None = None) -> dict[str, Any]:
    """The TOML of `path`, or of its bytes `data` when they were read already."""
    try:
        return tomllib.loads((_read(path) if data is None else data).decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"{path.name}: not valid TOML ({error})") from None
    except RecursionError:
        raise InputError(f"{path.name}: not a policy file (nested too deeply)") from None


def _read(path: Path) -> bytes:
    try:
        return _read_bounded(path)
    except FileNotFoundError:
        raise InputError(f"{path}: policy file not found") from None
    except OSError:
        raise InputError(f"{path}: the policy file cannot be read") from None


def load_policy_with_digest(path: Path) -> tuple[Policy, str]:
    """`load_policy(path)` and the sha256 of the very bytes it was built from (the app
    names its cached results by it: a file changed since is another policy)."""
    data = _read(path)
    return _build(_parse(path, data), _defaults(), path.name), hashlib.sha256(data).hexdigest()


def _read_bounded(path: Path) -> bytes:
    """The file's bytes: a regular file of at most `POLICY_BYTES`."""
    return read_small(path, f"{path}: the policy file", POLICY_BYTES)


def _section(cls: type, name: str, values: dict[str, Any], base: Any, where: str) -> Any:
    known = {f.name: f for f in fields(cls)}
    for key, value in values.items():
        if key not in known:
            raise InputError(f"{where}: unknown key [{name}].{key}")
        expected = known[key].type
        if expected == "int":
            low, high = RANGES[(name, key)]
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise InputError(
                    f"{where}: [{name}].{key} must be a whole number from {low} to {high}"
                )
        elif not isinstance(value, str):
            raise InputError(f"{where}: [{name}].{key} must be a string")
    return replace(base, **values) if base is not None else cls(**values)


def load_policy(path: str | Path | None = None) -> Policy:
    """The default policy, with the values of `path` (if given) laid over it."""
    if path is None:
        return _defaults()
    override = Path(path)
    return _build(_parse(override), _defaults(), override.name)


def _defaults() -> Policy:
    return _build(_parse(DEFAULT_POLICY_FILE), None, DEFAULT_POLICY_FILE.name)


def _build(data: dict[str, Any], base: Policy | None, where: str) -> Policy:
    sections = {f.name: f.type for f in fields(Policy)}
    built: dict[str, Any] = {}
    for name, cls_name in sections.items():
        cls = globals()[str(cls_name)]
        values = data.get(name, {})
        if not isinstance(values, dict):
            raise InputError(f"{where}: [{name}] must be a table")
        built[name] = _section(cls, name, values, getattr(base, name) if base else None, where)
    for name, value in data.items():
        if name in sections:
            continue
        if not isinstance(value, dict):  # `closed_account_days = 27` above any [section]
            owner = next((s for s, c in sections.items() if name in _setting_names(c)), None)
            hint = f" (it belongs under [{owner}])" if owner else ""
            raise InputError(f"{where}: setting {name} is outside any [section]{hint}")
        raise InputError(f"{where}: unknown section [{name}]")
    policy = Policy(**built)
    _validate(policy, where)
    return policy


def _setting_names(cls_name: Any) -> set[str]:
    return {f.name for f in fields(globals()[str(cls_name)])}


def _validate(policy: Policy, where: str) -> None:
    requests = policy.subject_requests
    if requests.holidays not in HOLIDAY_CALENDARS:
        choices = ", ".join(HOLIDAY_CALENDARS)
        raise InputError(f"{where}: [subject_requests].holidays must be one of {choices}")
    if not known_timezone(requests.timezone):  # known to Python and to DuckDB
        raise InputError(f"{where}: [subject_requests].timezone is not a known time zone")
