"""Streamlit glue: who is signed in, which snapshot and `as_of`, and the shared cache.

The snapshot is loaded once per process (`st.cache_resource`) and shared by every
session; library functions take their own DuckDB cursor per call. Results are
cached with `st.cache_data`, keyed by snapshot (path and manifest checksum),
`as_of`, policy and role.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from insight_workbench.analyst.database import AnalystData, analyst_data
from insight_workbench.analyst.pseudonyms import load_pseudonym_key
from insight_workbench.dashboard import address, hosts, roles, snapshots
from insight_workbench.errors import InputError, defect_summary
from insight_workbench.findings import Finding
from insight_workbench.ledger.database import acting_user
from insight_workbench.loading.snapshot import Snapshot, TableLoad
from insight_workbench.loading.workspace import export_state, open_snapshot
from insight_workbench.markdown_text import escape_markdown
from insight_workbench.policy import Policy, load_policy, load_policy_with_digest
from insight_workbench.rules.runner import CheckResult, run_check
from insight_workbench.timeutil import LAST_YEAR, iso_minute, start_of_utc_day, to_utc

LOG = logging.getLogger(__name__)
STATE_KEY = "_insight_workbench"
T = TypeVar("T")


@dataclass(frozen=True)
class Identity:
    role: str
    who: str  # the signed-in e-mail, or a note that the app runs locally
    signed_in: bool


@dataclass(frozen=True)
class Workbench:
    """What a page may use. Identifiable data is reachable only in the DPO role."""

    identity: Identity
    base: Path  # the app's folder, passed in by the router: `reports/` defaults to it
    snapshot_key: str  # resolved path + manifest checksum
    snapshot_id: str
    exported_at: datetime
    as_of: datetime
    policy: Policy
    policy_key: str
    loads: dict[str, TableLoad]
    _snapshot: Snapshot
    _pseudonym_key: bytes | None  # None when no key is configured
    key_problem: str | None  # why analyst-safe data is unavailable, if it is

    @property
    def manifest_checksum(self) -> str:
        """The sha256 of the open snapshot's manifest, as a recorded run names its export."""
        return self.snapshot_key.rpartition(":")[2]

    @property
    def role(self) -> str:
        return self.identity.role

    @property
    def is_dpo(self) -> bool:
        return self.identity.role == roles.DPO

    @property
    def snapshot(self) -> Snapshot:
        """The identifiable snapshot: DPO only."""
        if not self.is_dpo:
            raise PermissionError("identifiable data is for the DPO only")
        return self._snapshot

    def snapshot_for_counts(self) -> Snapshot:
        """For the one place that reduces findings to counts for every role (Overview)."""
        return self._snapshot

    def analyst_data(self) -> AnalystData:
        """The analyst-safe data of the library (pseudonymised, no identifiable tables)."""
        if self.key_problem is not None:
            raise InputError(self.key_problem)
        assert self._pseudonym_key is not None
        min_cell = self.policy.deidentification.min_cell
        return _analyst_data(
            self.snapshot_key,
            _key_id(self._pseudonym_key),
            min_cell,
            self._snapshot,
            self._pseudonym_key,
        )


def read_secrets() -> dict[str, Any]:
    """`st.secrets` as a dict; no secrets file means no secrets, but a broken one is an
    error (it may hold the [auth] section: never fall back to the local mode silently)."""
    try:
        return st.secrets.to_dict()
    except StreamlitSecretNotFoundError as error:
        if "No secrets found" in str(error):
            return {}
        raise InputError("secrets.toml: cannot be read (not valid TOML?)") from None


def check_host(secrets: dict[str, Any]) -> None:
    """Refuse a session opened under a host name (or from an origin) not allowed.

    Streamlit already refuses the websocket when `server.allowedHosts` names the hosts;
    this runs before any page content in case it does not (no list, or `*`)."""
    headers = st.context.headers
    if not len(headers):
        # No web request behind this run (the app runs in-process, as under AppTest):
        # a browser's session always carries its handshake's `Host`.
        return
    signed_in_mode = "auth" in secrets
    allowed = hosts.allowed_hosts(st.get_option("server.allowedHosts"), signed_in_mode)
    if not allowed:
        raise Refusal(
            "Sign-in is on but no host names are configured: set server.allowedHosts.",
            error=True,
        )
    if hosts.refused(headers, allowed):
        # Nothing of the request is logged: the names come from the visitor.
        LOG.warning("refused a session under a host name that is not allowed")
        raise Refusal("This workbench does not answer at this address.", error=True)


def identify(base: Path, secrets: dict[str, Any]) -> Identity:
    """The signed-in user and their role; raises `Refusal` with what to show otherwise."""
    if "auth" not in secrets:
        if not roles.is_loopback(st.get_option("server.address")):
            raise Refusal(
                "Without sign-in ([auth] in secrets.toml) the workbench only serves 127.0.0.1."
            )
        try:
            role = roles.local_role(os.environ)
            acting_user()  # whom the audit trail names (INSIGHT_USER): checked before a page
        except InputError as error:
            raise Refusal(str(error)) from None
        return Identity(role, "local user (no sign-in)", signed_in=False)
    if not st.user.is_logged_in:
        raise Refusal("Sign in to open the workbench.", offer_login=True)
    email = str(st.user.get("email") or "")
    if roles.unverified(st.user.get("email_verified")):
        raise Refusal(
            f"You are signed in as {email or 'an account without e-mail'}, an address your "
            "identity provider has not verified, so it gives no role in this workbench. "
            "Verify it with the provider, then sign in again.",
            offer_logout=True,
        )
    try:
        mapping = roles.load_roles(roles.roles_file(os.environ, base))
    except InputError as error:
        raise Refusal(str(error), offer_logout=True) from None
    found = roles.role_for_email(email, mapping)
    if found is None:
        raise Refusal(
            f"You are signed in as {email or 'an account without e-mail'}, which has "
            "no role in this workbench. Ask the DPO for access.",
            offer_logout=True,
        )
    return Identity(found, email, signed_in=True)


class Refusal(Exception):
    """Nothing but a message is shown (no role, not signed in, no key, bad setup)."""

    def __init__(
        self,
        message: str,
        offer_login: bool = False,
        offer_logout: bool = False,
        error: bool = False,
    ):
        super().__init__(message)
        self.offer_login = offer_login
        self.offer_logout = offer_logout
        self.error = error  # bad input or setup, rather than a matter of access


@st.cache_resource(
    show_spinner="Opening the snapshot (verified and loaded into its workspace on first use)…",
    max_entries=4,
)
def _load(path: str, checksum: str, files: str | None) -> Snapshot:
    del checksum, files  # the cache key: a changed export is opened, and checked, afresh
    return open_snapshot(path)


def load(path: Path) -> Snapshot:
    """The snapshot at `path`, opened once per state of its export: a file altered
    while the app runs is checked (and refused) at the next rerun."""
    checksum, files = export_state(path)
    return _load(str(path.resolve()), checksum, files)


@st.cache_resource(
    show_spinner="Building the analyst-safe data (once per snapshot and key)…", max_entries=4
)
def _analyst_data(
    snapshot_key: str, key_id: str, min_cell: int, _snapshot: Snapshot, _key: bytes
) -> AnalystData:
    return analyst_data(_snapshot, _key, min_cell)


def _key_id(key: bytes | None) -> str:
    """Tells keys apart in cache keys without holding the key itself."""
    if key is None:
        return ""
    return hashlib.sha256(b"insight-workbench-cache:" + key).hexdigest()[:16]


def pseudonym_key(secrets: dict[str, Any]) -> tuple[bytes | None, str | None]:
    """The pseudonymisation key, or None and why there is none."""
    try:
        return load_pseudonym_key(os.environ, secrets), None
    except InputError as error:
        return None, f"Analyst-safe data needs a pseudonymisation key: {error}."


def policy_from_env() -> tuple[Policy, str]:
    configured = os.environ.get("INSIGHT_POLICY", "").strip()
    if not configured:
        return load_policy(), "default"
    return load_policy_with_digest(Path(configured))


def cached(fn: Callable[..., T], wb: Workbench, *args: Any) -> T:
    """`fn(wb, *args)`, cached per snapshot, as_of, policy, role and arguments."""
    name = f"{fn.__module__}.{fn.__qualname__}"
    result: T = _cached_call(
        name,
        wb.snapshot_key,
        wb.as_of,
        wb.policy_key,
        wb.role,
        _key_id(wb._pseudonym_key),
        args,
        _fn=fn,
        _wb=wb,
    )
    return result


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_call(
    name: str,
    snapshot_key: str,
    as_of: datetime,
    policy_key: str,
    role: str,
    key_id: str,
    args: tuple[Any, ...],
    _fn: Callable[..., Any],
    _wb: Workbench,
) -> Any:
    return _fn(_wb, *args)


def check_result(wb: Workbench) -> CheckResult:
    """Every rule run on the view's snapshot at its `as_of`: once per snapshot, `as_of` and
    policy in the process, the one result shared (never copied) by every page and role
    that needs findings. Views reduce it to what the role may see: an analyst's only
    ever to counts (Overview), the DPO's to keys too."""
    return _check_result(wb.snapshot_key, wb.as_of, wb.policy_key, _wb=wb)


@st.cache_resource(show_spinner=False, max_entries=16)
def _check_result(
    snapshot_key: str, as_of: datetime, policy_key: str, _wb: Workbench
) -> CheckResult:
    return run_check(_wb.snapshot_for_counts(), _wb.policy, as_of=_wb.as_of)


def shared(fn: Callable[[Workbench], T], wb: Workbench) -> T:
    """`fn(wb)` once per snapshot, `as_of`, policy and role in the process, the one result
    shared (never copied) by every view that starts from it, as `check_result` is: for a
    result several cached views reduce (the schedule, the datasets' assessments). Its
    callers never change it."""
    name = f"{fn.__module__}.{fn.__qualname__}"
    result: T = _shared(name, wb.snapshot_key, wb.as_of, wb.policy_key, wb.role, _fn=fn, _wb=wb)
    return result


@st.cache_resource(show_spinner=False, max_entries=64)
def _shared(
    name: str,
    snapshot_key: str,
    as_of: datetime,
    policy_key: str,
    role: str,
    _fn: Callable[[Workbench], Any],
    _wb: Workbench,
) -> Any:
    return _fn(_wb)


def dpo_findings(wb: Workbench) -> list[Finding]:
    """Every finding, keys and all: the DPO's only (`wb.snapshot` refuses anyone else)."""
    wb.snapshot  # noqa: B018 (raises PermissionError for any other role)
    return check_result(wb).findings


def drawn(build: Callable[..., T], *args: Any) -> T:
    """`build(*args)`, a chart, built once per distinct input and then shared by every
    rerun and session: plotly takes far longer to build a figure than the cache to find
    it. Callers draw it and never change it (`selection.chart` changes a copy)."""
    result: T = _drawn(f"{build.__module__}.{build.__qualname__}", args, _build=build)
    return result


@st.cache_resource(show_spinner=False, max_entries=256)
def _drawn(name: str, args: tuple[Any, ...], _build: Callable[..., Any]) -> Any:
    return _build(*args)


def set_current(wb: Workbench) -> None:
    st.session_state[STATE_KEY] = wb


def current() -> Workbench:
    """The workbench the router set up for this run (pages call this first)."""
    wb = st.session_state.get(STATE_KEY)
    if isinstance(wb, Workbench):
        return wb
    # Pages run only inside the router's `current.run()`, which sets the workbench first.
    st.error("Open the workbench from its start page.")
    st.stop()


def clear_current() -> None:
    """The workbench lives for one run only: a page never sees an earlier run's."""
    st.session_state.pop(STATE_KEY, None)


@contextmanager
def guard() -> Iterator[None]:
    """Bad input becomes a clear message; anything else a short one (details in the log)."""
    try:
        yield
    except InputError as error:
        st.error(escape_markdown(error))
    except PermissionError:
        st.error("This page is for the DPO only.")
    except Exception as error:
        log_defect(error)


@contextmanager
def defects_logged() -> Iterator[None]:
    """Around the whole app run: an unexpected error is logged by its type and code
    location only (Streamlit would log its message, which may quote a cell value)."""
    try:
        yield
    except Exception as error:
        log_defect(error)


def logged_callback(callback: Callable[..., None]) -> Callable[..., None]:
    """A widget's callback with its defects logged as `defects_logged` logs them:
    Streamlit runs callbacks before the page's script, outside every guard in it."""

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> None:
        with defects_logged():
            callback(*args, **kwargs)

    return run


def log_defect(error: Exception) -> None:
    LOG.error("page failed: %s", defect_summary(error))
    st.error("This page could not be shown. The details are in the server log.")


def choose_snapshot(base: Path) -> Path:
    """The snapshot of the address (`snapshot`, a folder under INSIGHT_SNAPSHOTS_ROOT),
    else the default one; the sidebar picker shows it and writes a change back."""
    default = snapshots.default_snapshot(os.environ, base)
    root = snapshots.snapshots_root(os.environ)
    asked = address.one(address.SNAPSHOT)
    chosen = default if asked is None else snapshots.resolve_choice(root, asked)
    choices = snapshots.list_snapshots(root)
    if not choices:
        return chosen
    # The snapshot the app was started with comes first; it is not offered twice.
    inside = root is not None and default.resolve().parent == root
    label = default.name if inside else f"Started with ({default.name})"
    options = [label, *[c for c in choices if not (inside and c == default.name)]]
    shown = label if asked is None or (inside and asked == default.name) else asked
    if st.session_state.get("snapshot_choice") != shown:
        st.session_state["snapshot_choice"] = shown
    st.sidebar.selectbox(
        "Snapshot",
        options,
        key="snapshot_choice",
        on_change=logged_callback(_snapshot_picked),
        args=(label,),
    )
    return chosen


def _snapshot_picked(label: str) -> None:
    picked = st.session_state.get("snapshot_choice")
    address.set_param(address.SNAPSHOT, None if picked == label else str(picked))
    address.set_param(address.AS_OF, None)  # another export: its own export time


def choose_as_of(exported_at: datetime, widget_key: str) -> datetime:
    """`as_of` of the address, else the export time; the sidebar date shows its day and
    writes a change back (the export day means the export time, another day 00:00 UTC)."""
    asked = address.one(address.AS_OF)
    as_of = exported_at if asked is None else address.parse_as_of(asked)
    day = as_of.astimezone(UTC).date()
    if st.session_state.get(widget_key) != day:
        st.session_state[widget_key] = day
    st.sidebar.date_input(
        "As of",
        key=widget_key,
        min_value=date(1, 1, 1),
        max_value=date(LAST_YEAR, 12, 31),
        on_change=logged_callback(_as_of_picked),
        args=(widget_key, exported_at),
        help="The export day means the export time; another day means 00:00 UTC of it.",
    )
    return as_of


def _as_of_picked(widget_key: str, exported_at: datetime) -> None:
    day = st.session_state.get(widget_key)
    if not isinstance(day, date):  # cleared: back to the export time
        address.set_param(address.AS_OF, None)
        return
    moment = snapshots.as_of_for(day, exported_at)
    address.set_param(address.AS_OF, None if moment == exported_at else day.isoformat())


def build_workbench(identity: Identity, base: Path, secrets: dict[str, Any]) -> Workbench:
    """Snapshot, as_of and policy from the address and the sidebar; raises `InputError`
    for unusable input."""
    snapshot = load(choose_snapshot(base))
    manifest = snapshot.manifest
    as_of = choose_as_of(manifest.exported_at, f"as_of_{manifest.checksum[:12]}")
    if identity.role == roles.ANALYST:
        as_of = start_of_utc_day(as_of)
    policy, policy_key = policy_from_env()
    key, problem = pseudonym_key(secrets)
    return workbench_of(snapshot, identity, base, as_of, policy, policy_key, key, problem)


def workbench_of(
    snapshot: Snapshot,
    identity: Identity,
    base: Path,
    as_of: datetime,
    policy: Policy,
    policy_key: str,
    key: bytes | None,
    key_problem: str | None,
) -> Workbench:
    """The workbench of a loaded snapshot: what names the snapshot comes from it."""
    manifest = snapshot.manifest
    return Workbench(
        identity=identity,
        base=base,
        snapshot_key=f"{snapshot.path.resolve()}:{manifest.checksum}",
        snapshot_id=manifest.snapshot_id,
        exported_at=manifest.exported_at,
        as_of=as_of,
        policy=policy,
        policy_key=policy_key,
        loads=dict(snapshot.loads),
        _snapshot=snapshot,
        _pseudonym_key=key,
        key_problem=key_problem,
    )


def show_identity(identity: Identity) -> None:
    st.sidebar.markdown(f"**{escape_markdown(identity.who)}**  \nRole: **{identity.role.upper()}**")
    if identity.signed_in:
        st.sidebar.button("Sign out", on_click=st.logout, key="sign_out")


def show_snapshot(wb: Workbench) -> None:
    as_of = iso_minute(to_utc(wb.as_of)) + " UTC"
    exported = iso_minute(to_utc(wb.exported_at)) + " UTC"
    snapshot_id = escape_markdown(wb.snapshot_id)  # from the manifest: text, never Markdown
    st.sidebar.caption(f"Snapshot **{snapshot_id}**, exported {exported}; as of {as_of}.")
    if not wb.is_dpo:
        st.sidebar.caption("Figures count whole days: up to the start of the day (UTC).")


def show_only(refusal: Refusal) -> None:
    """A single message page. Navigation is still declared, so Streamlit never falls back
    to listing the files under `pages/`."""

    def message() -> None:
        st.title("Insight Workbench")
        (st.error if refusal.error else st.warning)(escape_markdown(refusal))
        if refusal.offer_login:
            st.button("Sign in", on_click=st.login, type="primary", key="sign_in")
        if refusal.offer_logout:
            st.button("Sign out", on_click=st.logout, key="sign_out_only")

    st.navigation(
        [st.Page(message, title="Insight Workbench", url_path="start")], position="hidden"
    ).run()
