"""Access monitoring page: failed-login bursts, late logins, user-list views by non-admins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
from apphelpers import as_read, frame_with, linked_keys, metrics, plotly_specs
from streamlit.testing.v1 import AppTest

from insight_workbench import access_monitoring as access
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.policy import load_policy
from insight_workbench.testing import build_snapshot

PAGE = "app_pages/access.py"


def test_metrics_are_the_library_figures(open_app, sample: Snapshot) -> None:
    app = open_app("dpo", PAGE)
    assert not app.exception
    assert not app.error
    policy = load_policy()
    bursts = access.burst_windows(sample, policy)
    late = access.logins_after_closure_or_deletion(sample, policy)
    views = access.views_outside_organisation(sample, policy)
    assert metrics(app) == {
        "Accounts with a failed-login burst": str(int((bursts["kind"] == "account").sum())),
        "IPs with a failed-login burst": str(int((bursts["kind"] == "ip").sum())),
        "Logins after closure or deletion": str(len(late)),
        "Views by non-admins": str(len(views)),
    }
    assert set(frame_with(app, "login_id", "limit")["login_id"]) == set(late["login_id"])
    assert set(frame_with(app, "view_id", "reason")["view_id"]) == set(views["view_id"])


def test_grain_changes_the_failed_logins_chart(open_app, sample: Snapshot) -> None:
    app = open_app("dpo", PAGE)
    daily = plotly_specs(app)["failed_chart"]
    app.segmented_control(key="access_grain").set_value("hour").run()
    assert not app.exception
    hourly = plotly_specs(app)["failed_chart"]
    assert "per hour" in hourly
    assert "per day" in daily
    per_hour = access.failed_logins_over_time(sample, load_policy(), "hour")
    assert len(per_hour) > len(access.failed_logins_over_time(sample, load_policy(), "day"))


def test_each_burst_links_to_its_account_or_address(open_app, sample: Snapshot) -> None:
    bursts = access.burst_windows(sample, load_policy())
    assert set(bursts["kind"]) == {"account", "ip"}  # the sample plants both
    app = open_app("dpo", PAGE)
    shown = burst_table(app)
    expected = [
        f"{'user' if kind == 'account' else 'ip'}:{subject}"
        for kind, subject in zip(bursts["kind"], bursts["subject"], strict=True)
    ]
    assert sorted(linked_keys(shown["subject"])) == sorted(expected)
    # An address burst opens here, on its record, with the burst its only row.
    ip = next(s for k, s in zip(bursts["kind"], bursts["subject"], strict=True) if k == "ip")
    opened = open_app("dpo", PAGE, query={"key": f"ip:{ip}"})
    assert not opened.exception
    assert not opened.error
    assert f"Record ip:{ip}" in [as_read(s.value) for s in opened.subheader]
    assert list(frame_with(opened, "subject", "failed_logins")["subject"]) == [ip]


def burst_table(app: AppTest) -> pd.DataFrame:
    """The bursts table with its links (`frame_with` would turn them back into ids)."""
    return next(
        d.value for d in app.dataframe if {"subject", "failed_logins"} <= set(d.value.columns)
    )


def test_an_account_and_an_address_that_read_alike_keep_their_own_bursts(
    open_app, tmp_path: Path
) -> None:
    same = "2001:db8::9"  # an account id may be any text, an IPv6 address among them
    start = datetime(2026, 11, 21, 22, 40, tzinfo=UTC)
    failures = [
        {
            "login_id": f"F{i}",
            "user_id": same,
            "success": False,
            "ip": same,
            "ts": (start + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        for i in range(40)
    ]
    organisation = {
        "org_id": "O1",
        "name": "O1",
        "product": "local_insight",
        "status": "active",
        "created_at": "2024-01-01T00:00:00Z",
    }
    account = {
        "user_id": same,
        "org_id": "O1",
        "name": "Name",
        "email": "person@example.com",
        "role": "user",
        "created_at": "2025-01-01T00:00:00Z",
    }
    tables = {"organisations": [organisation], "users": [account], "logins": failures}
    env = {"INSIGHT_SNAPSHOT": str(build_snapshot(tmp_path / "alike", tables))}
    app = open_app("dpo", PAGE, env=env)
    assert not app.exception
    shown = burst_table(app)
    kinds = {"account": "user", "ip": "ip"}
    assert sorted(zip(shown["kind"], linked_keys(shown["subject"]), strict=True)) == [
        ("account", f"user:{same}"),
        ("ip", f"ip:{same}"),
    ]
    for kind, prefix in kinds.items():
        opened = open_app("dpo", PAGE, env=env, query={"key": f"{prefix}:{same}"})
        assert not opened.exception
        assert not opened.error
        assert opened.title[0].value == "Access monitoring"
        assert list(frame_with(opened, "subject", "failed_logins")["kind"]) == [kind]


def test_each_finding_s_owner_and_exception_show_beside_it(
    open_app, ledger_setting: str, sample: Snapshot
) -> None:
    """A burst of an account (ACC-003) and of an IP (ACC-004), a late login (ACC-001 or
    ACC-002), a view (ACC-005) and a message after an opt-out (COM-001): each row shows
    the owner and exception of its own finding, and no other row does."""
    from datetime import date

    from insight_workbench.ledger.database import open_ledger
    from insight_workbench.ledger.decisions import Request, decide
    from insight_workbench.ledger.runs import record_run
    from insight_workbench.rules.runner import run_check

    result = run_check(sample, load_policy())
    ledger = open_ledger(ledger_setting)
    record_run(ledger, result, source="cli")
    first = {}
    for finding in result.findings:
        first.setdefault(finding.rule, finding.key)
    assert {"ACC-003", "ACC-004", "ACC-005", "COM-001"} <= set(first)
    late_rule = "ACC-001" if "ACC-001" in first else "ACC-002"
    for rule in ("ACC-003", "ACC-004", "ACC-005", "COM-001", late_rule):
        decide(ledger, rule, first[rule], Request("assign", owner=f"Team {rule}"))
    hold = Request("except", basis="Under investigation", approver="CISO", until=date(2099, 1, 31))
    decide(ledger, "ACC-004", first["ACC-004"], hold)
    app = open_app("dpo", PAGE, env={"INSIGHT_LEDGER": ledger_setting})
    assert not app.exception
    bursts = frame_with(app, "kind", "subject", "owner")
    owned = bursts.dropna(subset=["owner"])
    keys = [
        f"{access.BURST_KEYS[kind]}:{subject}"
        for kind, subject in zip(owned["kind"], owned["subject"], strict=True)
    ]
    assert dict(zip(keys, owned["owner"], strict=True)) == {
        first["ACC-003"]: "Team ACC-003",
        first["ACC-004"]: "Team ACC-004",
    }
    assert bursts["excepted_until"].dropna().astype(str).tolist() == ["2099-01-31"]
    late = frame_with(app, "login_id", "limit_at", "owner").dropna(subset=["owner"])
    assert [f"login:{i}" for i in late["login_id"]] == [first[late_rule]]
    views = frame_with(app, "view_id", "viewer_role", "owner").dropna(subset=["owner"])
    assert [f"view:{i}" for i in views["view_id"]] == [first["ACC-005"]]
    comms = open_app("dpo", "app_pages/communications.py", env={"INSIGHT_LEDGER": ledger_setting})
    messages = frame_with(comms, "message_id", "opted_out_at", "owner").dropna(subset=["owner"])
    assert [f"message:{i}" for i in messages["message_id"]] == [first["COM-001"]]
    assert messages["owner"].tolist() == ["Team COM-001"]


def test_an_account_with_no_finding_but_rows_below_says_so(open_app, sample: Snapshot) -> None:
    """An account that viewed a user list without being its admin: the view is ACC-005's
    finding, the account none. Its panel was a bare heading."""
    from insight_workbench.rules.runner import run_check

    findings = run_check(sample, load_policy()).findings
    keys = {f.key for f in findings}
    viewers = [f.evidence["viewer_user_id"] for f in findings if f.rule == "ACC-005"]
    viewer = next(v for v in viewers if f"user:{v}" not in keys)
    app = open_app("dpo", PAGE, query={"key": f"user:{viewer}"})
    assert not app.exception
    assert [s.value for s in app.success] == [
        "No finding for this record. This page lists its rows below."
    ]
    assert not app.warning
    views = frame_with(app, "view_id", "viewer_role")
    assert set(views["viewer_user_id"]) == {viewer}


def test_an_account_no_rule_names_opens_on_its_own_facts(open_app, sample: Snapshot) -> None:
    """A user linked from an organisation's record (the accounts behind its count) whom
    no access rule names: the panel said "Check the link", as for a mistyped id."""
    from insight_workbench.rules.runner import run_check

    named = {f.key for f in run_check(sample, load_policy()).findings}
    cursor = sample.cursor()
    user, org, logins, failed = cursor.execute(
        "SELECT u.user_id, u.org_id, count(*) FILTER (WHERE l.success),"
        " count(*) FILTER (WHERE NOT l.success)"
        " FROM users AS u JOIN logins AS l USING (user_id)"
        " WHERE u.user_id NOT IN (SELECT viewer_user_id FROM admin_views)"
        " GROUP BY ALL ORDER BY u.user_id"
    ).fetchall()[0]
    assert f"user:{user}" not in named
    app = open_app("dpo", PAGE, query={"key": f"user:{user}"})
    assert not app.exception
    assert not app.warning
    assert [s.value for s in app.success] == ["No finding for this record."]
    facts = frame_with(app, "user_id", "failed_logins")
    assert facts[["user_id", "org_id", "logins", "failed_logins"]].values.tolist() == [
        [user, org, logins, failed]
    ]
    # an id with no account still says the link names nothing
    app = open_app("dpo", PAGE, query={"key": "user:NO-SUCH-USER"})
    assert "Check the link" in app.warning[0].value
