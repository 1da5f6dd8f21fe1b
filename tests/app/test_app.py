"""The router (app.py): roles and sign-in, the snapshot picker, `as_of`, bad input."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from apphelpers import metrics, rendered_text
from streamlit import config

from insight_workbench.dashboard.navigation import PAGES, pages_for
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules.runner import run_check
from insight_workbench.testing import build_snapshot

pytestmark = pytest.mark.slow  # started first: see tests/conftest.py

AUTH = {
    "auth": {
        "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
        "cookie_secret": "test-cookie-secret",
        "client_id": "id",
        "client_secret": "secret",
        "server_metadata_url": "https://idp.example.org/.well-known/openid-configuration",
    }
}
DPO_ONLY = [p.path for p in PAGES if "analyst" not in p.roles]


def registered(app) -> set[str]:
    """The page scripts the run declared (a "not available" page is no script)."""
    scripts = [str(info["script_path"]) for info in app._registered_pages.values()]
    return {Path(s).name for s in scripts if s}


def test_dpo_is_offered_every_page(open_app) -> None:
    app = open_app("dpo")
    assert not app.exception
    assert registered(app) == {Path(p.path).name for p in PAGES}
    assert "Role: **DPO**" in app.sidebar.markdown[0].value


def test_analyst_pages_are_registered_and_dpo_pages_are_not(open_app) -> None:
    app = open_app("analyst")
    assert not app.exception
    assert registered(app) == {Path(p.path).name for p in pages_for("analyst")}
    for path in DPO_ONLY:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            app.switch_page(path)


@pytest.mark.parametrize(
    ("role", "message"),
    [(None, "INSIGHT_ROLE is not set"), ("admin", "must be 'dpo' or 'analyst'")],
)
def test_local_tool_without_a_valid_role_shows_only_a_message(open_app, role, message) -> None:
    app = open_app(role)
    assert not app.exception
    assert message in app.warning[0].value
    assert not app.metric
    assert len(app._registered_pages) == 1  # the message page alone


@pytest.mark.parametrize("user", ["u" * 401, " "])
def test_local_tool_with_an_unusable_insight_user_shows_only_a_message(open_app, user) -> None:
    """The audit trail names the local user by INSIGHT_USER: one the ledger refuses is
    said at once, not an error on every page."""
    app = open_app("dpo", env={"INSIGHT_USER": user})
    assert not app.exception
    assert "INSIGHT_USER" in app.warning[0].value
    assert not app.metric
    assert len(app._registered_pages) == 1


def test_analyst_without_a_pseudonym_key_is_refused(open_app) -> None:
    app = open_app("analyst", key=None)
    assert not app.exception
    assert "pseudonymisation key" in app.warning[0].value
    assert not app.metric
    assert not app.dataframe


def test_dpo_without_a_key_still_works_but_usage_says_why(open_app) -> None:
    app = open_app("dpo", "app_pages/usage.py", key=None)
    assert not app.exception
    assert "pseudonymisation key" in app.warning[0].value
    assert not app.metric


def test_sign_in_is_required_with_auth(open_app) -> None:
    app = open_app(None, secrets=AUTH, user={"is_logged_in": False})
    assert not app.exception
    assert "Sign in" in app.warning[0].value
    assert [b.label for b in app.button] == ["Sign in"]
    assert not app.metric


@pytest.mark.parametrize(
    ("email", "role"), [("Ana@Example.org", "analyst"), ("dpo@example.org", "dpo")]
)
def test_signed_in_user_gets_the_role_of_the_roles_file(open_app, tmp_path, email, role) -> None:
    roles = tmp_path / "roles.toml"
    roles.write_text('dpo = ["dpo@example.org"]\nanalyst = ["ana@example.org"]\n')
    app = open_app(
        "dpo",
        secrets=AUTH,
        env={"INSIGHT_ROLES_FILE": str(roles)},
        user={"is_logged_in": True, "email": email},
    )
    assert not app.exception
    assert registered(app) == {Path(p.path).name for p in pages_for(role)}
    assert f"Role: **{role.upper()}**" in app.sidebar.markdown[0].value
    assert "Sign out" in [b.label for b in app.sidebar.button]


def test_signed_in_user_without_a_role_sees_only_a_message(open_app, tmp_path) -> None:
    roles = tmp_path / "roles.toml"
    roles.write_text('dpo = ["dpo@example.org"]\n')
    # INSIGHT_ROLE is ignored once sign-in is configured.
    app = open_app(
        "dpo",
        secrets=AUTH,
        env={"INSIGHT_ROLES_FILE": str(roles)},
        user={"is_logged_in": True, "email": "stranger@example.org"},
    )
    assert not app.exception
    assert "no role in this workbench" in app.warning[0].value
    assert not app.metric
    assert not app.dataframe
    assert len(app._registered_pages) == 1


def signed_in_as_the_dpo(open_app, tmp_path: Path, verified: object) -> Any:
    """The app signed in with the DPO's address, its `email_verified` claim `verified`."""
    roles = tmp_path / "roles.toml"
    roles.write_text('dpo = ["dpo@example.org"]\n')
    return open_app(
        "dpo",
        secrets=AUTH,
        env={"INSIGHT_ROLES_FILE": str(roles)},
        user={"is_logged_in": True, "email": "dpo@example.org", "email_verified": verified},
    )


@pytest.mark.parametrize("verified", [False, "false", "False"])
def test_an_address_the_provider_has_not_verified_gives_no_role(
    open_app, tmp_path, verified
) -> None:
    """Where anyone may sign up at the provider with any address, an unverified one
    would hand the DPO's role to whoever typed the DPO's address."""
    app = signed_in_as_the_dpo(open_app, tmp_path, verified)
    assert not app.exception
    assert "has not verified" in app.warning[0].value
    assert not app.metric
    assert not app.dataframe
    assert len(app._registered_pages) == 1
    assert "Sign out" in [b.label for b in app.button]


def test_a_verified_address_gets_its_role(open_app, tmp_path) -> None:
    app = signed_in_as_the_dpo(open_app, tmp_path, True)
    assert not app.exception
    assert registered(app) == {Path(p.path).name for p in PAGES}


def test_bad_snapshot_is_a_clear_error(open_app, tmp_path) -> None:
    (tmp_path / "broken").mkdir()
    app = open_app("dpo", env={"INSIGHT_SNAPSHOT": str(tmp_path / "broken")})
    assert not app.exception
    assert "manifest.json: missing" in app.error[0].value


def test_an_export_altered_while_the_app_runs_is_refused_at_the_next_rerun(
    open_app, sample_path: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "export"
    shutil.copytree(sample_path, folder)
    app = open_app("dpo", env={"INSIGHT_SNAPSHOT": str(folder)})
    assert not app.error
    users = folder / "users.csv"
    users.write_text(users.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    app.run()
    assert not app.exception
    assert "users: sha256 of users.csv is " in app.error[0].value
    assert not app.metric


@pytest.fixture(scope="module")
def snapshots_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two exports under a snapshots folder and one elsewhere, built once for the file:
    the tests only read them (and the app's cache then holds each one once)."""
    tmp_path = tmp_path_factory.mktemp("picker")
    root = tmp_path / "exports"
    org = {
        "org_id": "O1",
        "name": "Org",
        "product": "local_insight",
        "status": "closed",
        "created_at": "2025-01-01T00:00:00Z",
        "closed_at": "2026-01-01T00:00:00Z",
    }
    user = {
        "user_id": "u1",
        "org_id": "O1",
        "name": "N",
        "email": "n@example.org",
        "role": "user",
        "created_at": "2025-01-01T00:00:00Z",
    }
    build_snapshot(
        root / "2026-10",
        {"organisations": [org], "users": [user]},
        exported_at="2026-10-01T00:00:00Z",
    )
    build_snapshot(root / "2026-11", {"organisations": [org]}, exported_at="2026-11-01T00:00:00Z")
    build_snapshot(tmp_path / "elsewhere")
    return root


def test_picker_lists_the_snapshots_under_the_root(open_app, snapshots_root) -> None:
    app = open_app("dpo", env={"INSIGHT_SNAPSHOTS_ROOT": str(snapshots_root)})
    picker = app.sidebar.selectbox(key="snapshot_choice")
    assert picker.options[1:] == ["2026-10", "2026-11"]
    picker.select("2026-10").run()
    assert not app.exception
    assert "Snapshot **2026-10**" in app.sidebar.caption[-1].value
    # closed 2026-01-01 with a user held: RET-001 is the one finding there
    assert metrics(app)["Findings"] == "1"
    app.sidebar.selectbox(key="snapshot_choice").select("2026-11").run()
    assert metrics(app)["Findings"] == "0"


@pytest.mark.parametrize("asked", ["../elsewhere", "/etc", "2026-10/../../elsewhere"])
def test_picker_refuses_a_path_outside_the_root(open_app, snapshots_root, asked) -> None:
    app = open_app(
        "dpo", env={"INSIGHT_SNAPSHOTS_ROOT": str(snapshots_root)}, query={"snapshot": asked}
    )
    assert not app.exception
    assert "not a snapshot folder under the snapshots folder" in app.error[0].value
    assert not app.metric


def test_as_of_defaults_to_export_time_and_changes_the_findings(open_app, sample: Snapshot) -> None:
    app = open_app("dpo")
    exported = sample.manifest.exported_at
    picker = app.sidebar.date_input[0]
    assert picker.value == exported.date()
    assert f"as of {exported:%Y-%m-%d %H:%M} UTC" in app.sidebar.caption[-1].value
    later = date(exported.year + 1, 6, 1)
    picker.set_value(later).run()
    assert not app.exception
    expected = run_check(sample, load_policy(), as_of=None).findings
    moved = run_check(
        sample,
        load_policy(),
        as_of=datetime(later.year, later.month, later.day, tzinfo=UTC),
    ).findings
    assert len(moved) != len(expected)
    assert metrics(app)["Findings"] == str(len(moved))
    assert "as of " + f"{later:%Y-%m-%d} 00:00 UTC" in app.sidebar.caption[-1].value


def test_no_identifier_in_the_frame_for_an_analyst(open_app, sample_identifiers) -> None:
    from apphelpers import leaked

    app = open_app("analyst")
    assert leaked(rendered_text(app), sample_identifiers) == []


def test_a_first_visit_to_a_page_address_goes_through_the_router(open_app) -> None:
    # Straight to /retention: the router runs first and shows the DPO the page.
    app = open_app("dpo", first_page="app_pages/retention.py")
    assert not app.exception
    assert [t.value for t in app.title] == ["Retention"]
    assert not app.error


@pytest.fixture(scope="module")
def empty_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A snapshot with no rows, built once: every page reads the same one."""
    return build_snapshot(tmp_path_factory.mktemp("empty") / "empty")


@pytest.mark.parametrize(
    ("role", "page"), [(role, p.path) for role in ("dpo", "analyst") for p in pages_for(role)]
)
def test_every_page_has_clear_empty_states(open_app, empty_snapshot, role, page) -> None:
    app = open_app(role, page, env={"INSIGHT_SNAPSHOT": str(empty_snapshot)})
    assert not app.exception
    assert not app.error
    assert app.title[0].value == next(p.title for p in PAGES if p.path == page)


@pytest.mark.parametrize(("address", "served"), [("0.0.0.0", False), ("127.0.0.1", True)])
def test_without_sign_in_only_loopback_is_served(open_app, address, served) -> None:
    before = config.get_option("server.address")
    config.set_option("server.address", address)
    try:
        app = open_app("dpo")
    finally:
        config.set_option("server.address", before)
    assert not app.exception
    assert bool(app.metric) is served
    if not served:
        assert "only serves 127.0.0.1" in app.warning[0].value


def test_picker_starts_on_the_snapshot_the_app_was_started_with(open_app, snapshots_root) -> None:
    started = snapshots_root / "2026-11"
    app = open_app(
        "dpo", env={"INSIGHT_SNAPSHOTS_ROOT": str(snapshots_root), "INSIGHT_SNAPSHOT": str(started)}
    )
    picker = app.sidebar.selectbox(key="snapshot_choice")
    assert picker.options == ["2026-11", "2026-10"]
    assert "Snapshot **2026-11**" in app.sidebar.caption[-1].value


def _a_defect(*_: object) -> None:
    raise KeyError("ann@example.org")  # as a library's message may quote a value


@pytest.mark.parametrize("where", ["build_workbench", "identify"])
def test_a_defect_outside_a_page_is_logged_by_type_and_place_only(
    open_app, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, where: str
) -> None:
    from insight_workbench.dashboard import session

    monkeypatch.setattr(session, where, _a_defect)
    with caplog.at_level("ERROR", logger=session.LOG.name):
        app = open_app("dpo")
    assert [e.value for e in app.error] == [
        "This page could not be shown. The details are in the server log."
    ]
    assert not app.exception  # Streamlit shows and logs nothing of its own
    logged = [r.getMessage() for r in caplog.records if r.name == session.LOG.name]
    assert len(logged) == 1
    assert logged[0].startswith("page failed: KeyError at test_app.py:")
    assert "ann@example.org" not in caplog.text


def test_a_defect_in_a_widget_s_callback_is_logged_by_type_and_place_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Streamlit runs callbacks (a download's audit entry, a decision) before the page's
    script: they are guarded on their own."""
    from insight_workbench.dashboard import session

    callback = session.logged_callback(_a_defect)
    with caplog.at_level("ERROR", logger=session.LOG.name):
        callback("a decision's note")  # no exception escapes to Streamlit
    logged = [r.getMessage() for r in caplog.records if r.name == session.LOG.name]
    assert len(logged) == 1
    assert logged[0].startswith("page failed: KeyError at test_app.py:")
    assert "ann@example.org" not in caplog.text
