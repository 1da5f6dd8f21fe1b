"""The sample generator: same seed same bytes, the committed sample, realistic coverage."""

from __future__ import annotations

import ipaddress
import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from cli_runner import run_cli, run_script

from insight_workbench.atomic import _pid_namespace
from insight_workbench.errors import InputError
from insight_workbench.loading.snapshot import Snapshot, load_snapshot
from insight_workbench.rules import REGISTRY
from insight_workbench.sample import generate_sample
from insight_workbench.sample.timekeeping import at, sar_due

# The rules of the contract: the registry holds at least these (and any added since).
CONTRACT_RULES = {
    *(f"RET-00{n}" for n in range(1, 5)),
    "SAR-001",
    "SAR-002",
    "COM-001",
    *(f"ACC-00{n}" for n in range(1, 6)),
    *(f"DEID-00{n}" for n in range(1, 5)),
    "SEC-001",
    "TPP-001",
    "TPP-002",
    "DQ-001",
}
EXAMPLE_DOMAIN = re.compile(r"@([a-z0-9-]+\.)*example\.(org|com|net)$")
DRAMA_NUMBER = re.compile(r"^(01632 960\d{3}|07700 900\d{3}|\+44 7700 900\d{3})$")
SAFE_NETWORKS = [
    ipaddress.ip_network(n)
    for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "100.64.0.0/10", "2001:db8::/32")
]


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def planted(folder: Path) -> dict:
    return json.loads((folder / "planted.json").read_text(encoding="utf-8"))


def column(snapshot: Snapshot, sql: str) -> list:
    cursor = snapshot.cursor()
    try:
        return [row[0] for row in cursor.execute(sql).fetchall()]
    finally:
        cursor.close()


def row(snapshot: Snapshot, sql: str) -> tuple:
    cursor = snapshot.cursor()
    try:
        found = cursor.execute(sql).fetchone()
        assert found is not None
        return tuple(found)
    finally:
        cursor.close()


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    """A sample made by the installed console script with its default options."""
    out = tmp_path_factory.mktemp("regen") / "sample"
    done = run_script("sample", "--out", out)
    assert done.returncode == 0, done.stderr
    return out


def test_the_cli_defaults_regenerate_the_committed_sample_byte_for_byte(regenerated, sample_path):
    committed, fresh = files(sample_path), files(regenerated)
    assert sorted(committed) == sorted(fresh)
    changed = [name for name in committed if committed[name] != fresh[name]]
    assert changed == []
    assert "manifest.json" in committed
    assert "planted.json" in committed
    doc = planted(sample_path)
    again = generate_sample(
        regenerated, doc["seed"], doc["orgs"], doc["users"], doc["days"], doc["format"]
    )
    assert files(again) == committed  # the options recorded in planted.json make it too


def test_a_different_seed_gives_different_data(tmp_path, regenerated):
    other = generate_sample(tmp_path / "other", seed=8)
    for name in ("users.csv", "logins.csv", "usage_events.csv", "communications.csv"):
        assert (other / name).read_bytes() != (regenerated / name).read_bytes()
    assert planted(other)["seed"] == 8


def test_parquet_form_loads_with_the_same_row_counts(tmp_path, sample, sample_path):
    doc = planted(sample_path)
    out = generate_sample(
        tmp_path / "pq", doc["seed"], doc["orgs"], doc["users"], doc["days"], "parquet"
    )
    assert not list(out.glob("*.csv"))
    assert not list((out / "deidentified").glob("*.csv"))
    parquet = load_snapshot(out)
    try:
        assert parquet.rows_loaded == sample.rows_loaded
        assert parquet.rows_rejected == sample.rows_rejected
    finally:
        parquet.con.close()


def test_committed_sample_loads_with_only_the_planted_rejects(sample, sample_path):
    assert sample.manifest.snapshot_id == "sample-seed7"
    assert sample.manifest.exported_at_iso == "2026-11-28T02:00:00Z"
    dq = sorted(p["key"] for p in planted(sample_path)["findings"] if p["rule"] == "DQ-001")
    rejected = column(
        sample,
        "SELECT DISTINCT 'row:' || table_name || ':' || row_number FROM rejects ORDER BY 1",
    )
    assert rejected == dq
    assert sum(sample.rows_loaded.values()) > 20_000
    assert sum(p.stat().st_size for p in sample_path.rglob("*") if p.is_file()) < 3_000_000


def test_planted_findings_cover_every_rule_and_are_sorted(sample_path):
    findings = planted(sample_path)["findings"]
    pairs = [(f["rule"], f["key"]) for f in findings]
    assert pairs == sorted(set(pairs))
    assert set(REGISTRY) >= CONTRACT_RULES
    found = {rule for rule, _ in pairs}
    assert found == set(REGISTRY), (
        f"no planted case for {sorted(set(REGISTRY) - found)}: plant one in "
        "insight_workbench/sample/planted.py (CONTRIBUTING.md), then run `make sample`"
    )


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT DISTINCT status FROM organisations", {"demo", "trial", "active", "closed"}),
        (
            "SELECT DISTINCT product FROM organisations",
            {"local_insight", "community_insight", "value_insight"},
        ),
        (
            "SELECT DISTINCT product FROM usage_events",
            {"local_insight", "community_insight", "value_insight"},
        ),
        ("SELECT DISTINCT role FROM users", {"user", "group_admin"}),
        (
            "SELECT DISTINCT category FROM communications",
            {
                "technical",
                "administrative",
                "billing",
                "service_notice",
                "product_update",
                "promotional",
            },
        ),
        (
            "SELECT DISTINCT channel FROM preferences",
            {"unsubscribe_link", "support_request", "settings"},
        ),
        ("SELECT DISTINCT category FROM preferences", {"product_update", "promotional"}),
        ("SELECT DISTINCT opted_out FROM preferences", {True, False}),
        (
            "SELECT DISTINCT type FROM subject_requests",
            {"access", "confirmation", "erasure", "rectification"},
        ),
        (
            "SELECT DISTINCT status FROM subject_requests",
            {"open", "completed", "refused", "withdrawn"},
        ),
        ("SELECT DISTINCT extended FROM subject_requests", {True, False}),
        ("SELECT DISTINCT clock_started_at IS NULL FROM subject_requests", {True, False}),
        (
            "SELECT DISTINCT clarification_requested_at IS NULL FROM subject_requests",
            {True, False},
        ),
        (
            "SELECT DISTINCT clarification_received_at IS NULL FROM subject_requests",
            {True, False},
        ),
        ("SELECT DISTINCT success FROM logins", {True, False}),
        ("SELECT DISTINCT user_id IS NULL FROM logins", {True, False}),
        ("SELECT DISTINCT contains(ip, ':') FROM logins", {True, False}),
        ("SELECT DISTINCT deleted_at IS NULL FROM users", {True, False}),
        ("SELECT DISTINCT telephone IS NULL FROM users", {True, False}),
        ("SELECT DISTINCT coalesce(referrer, '') = '' FROM logins", {True, False}),
    ],
)
def test_sample_has_every_value_of_the_spec(sample, sql, expected):
    assert set(column(sample, sql)) == expected


def test_logins_look_like_real_traffic(sample):
    agents = " ".join(column(sample, "SELECT DISTINCT user_agent FROM logins"))
    for word in (
        "Chrome",
        "Firefox",
        "Safari",
        "Edg/",
        "Windows",
        "Mac OS X",
        "iPhone",
        "Android",
        "Linux",
    ):
        assert word in agents
    referrers = set(column(sample, "SELECT DISTINCT referrer FROM logins"))
    assert "https://www.google.com/" in referrers
    assert any(r and ".example.org" in r for r in referrers)
    weekday, weekend = row(
        sample,
        "SELECT count(*) FILTER (isodow(ts AT TIME ZONE 'Europe/London') <= 5) / 5.0, "
        "count(*) FILTER (isodow(ts AT TIME ZONE 'Europe/London') > 5) / 2.0 "
        "FROM logins WHERE success",
    )
    assert weekday > 4 * weekend  # weekdays are busy, weekends light
    (office,) = row(
        sample,
        "SELECT avg(CASE WHEN hour(ts AT TIME ZONE 'Europe/London') BETWEEN 8 AND 17 "
        "THEN 1 ELSE 0 END) FROM logins WHERE success",
    )
    assert office > 0.75


def test_datasets_of_every_kind(sample):
    kinds = {d.name: (d.meta or {}).get("kind", "inferred") for d in sample.deidentified}
    assert {"aggregate", "microdata", "inferred"} <= set(kinds.values())
    assert len(sample.deidentified) >= 6


def test_no_real_looking_personal_data(sample):
    emails = column(
        sample, "SELECT email FROM users UNION ALL SELECT requester_email FROM subject_requests"
    )
    assert emails
    assert all(EXAMPLE_DOMAIN.search(e.lower()) for e in emails)
    phones = column(sample, "SELECT telephone FROM users WHERE telephone IS NOT NULL")
    assert phones
    assert all(DRAMA_NUMBER.match(p) for p in phones)
    for ip in column(sample, "SELECT DISTINCT ip FROM logins"):
        address = ipaddress.ip_address(ip)
        assert any(
            address in network for network in SAFE_NETWORKS if network.version == address.version
        ), "an address outside documentation ranges"


@pytest.mark.parametrize(
    ("options", "culprit"),
    [
        ({"seed": -1}, "--seed"),
        ({"orgs": 3}, "--orgs"),
        ({"users": 10}, "--users"),
        ({"days": 0}, "--days"),
        ({"orgs": 200, "users": 300}, "--users"),
        ({"fmt": "xlsx"}, "--format"),
    ],
)
def test_bad_options_are_refused(tmp_path, options, culprit):
    with pytest.raises(InputError, match=culprit):
        generate_sample(tmp_path / "out", **options)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--days", "5"], "--days"),
        # options that would not apply are refused, not ignored
        (["--scale", "2"], "--scale: applies only with --preset"),
        (["--months", "2", "--orgs", "50"], "--orgs: does not apply with --months"),
        (["--preset", "large", "--days", "30"], "--days: does not apply with --preset"),
    ],
)
def test_bad_option_exits_2_on_the_command_line(tmp_path, options, message):
    done = run_cli("sample", "--out", tmp_path / "o", *options)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "o").exists()


def test_refuses_a_folder_that_is_not_an_earlier_sample(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(InputError, match="not empty"):
        generate_sample(tmp_path)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_refuses_an_earlier_sample_with_foreign_files(tmp_path, regenerated):
    out = tmp_path / "s"
    out.mkdir()
    for name, data in files(regenerated).items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    (out / "mine.csv").write_text("x\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"mine\.csv"):
        generate_sample(out)


@pytest.mark.parametrize(
    ("mine", "named"),
    [
        ("deidentified/my_analysis.csv", "deidentified/my_analysis.csv"),
        ("deidentified/archive/keep.txt", "deidentified/archive"),
        ("deidentified/x.txt", "deidentified/x.txt"),
    ],
)
def test_a_file_of_yours_inside_an_earlier_sample_s_datasets_is_never_deleted(
    tmp_path, sample_path, mine, named
):
    out = Path(shutil.copytree(sample_path, tmp_path / "s"))
    (out / mine).parent.mkdir(parents=True, exist_ok=True)
    (out / mine).write_text("keep me", encoding="utf-8")
    with pytest.raises(InputError, match=f"holds '{named}', which the sample does not write"):
        generate_sample(out)
    assert (out / mine).read_text(encoding="utf-8") == "keep me"


def test_a_killed_writer_s_leftover_does_not_stop_a_retry(tmp_path, sample_path):
    out = Path(shutil.copytree(sample_path, tmp_path / "s"))
    leftover = out / f".writing.{_pid_namespace()}-999999999.abcd1234.tmp"  # no such process
    leftover.mkdir()
    (leftover / "users.csv").write_text("half", encoding="utf-8")
    generate_sample(out, seed=3, users=200, orgs=20, days=30)
    assert not leftover.exists()
    load_snapshot(out).con.close()


def test_replaces_an_earlier_sample_in_another_format(tmp_path):
    out = generate_sample(tmp_path / "s", seed=3, users=200, orgs=20, days=30, fmt="parquet")
    generate_sample(out, seed=3, users=200, orgs=20, days=30, fmt="csv")
    assert not list(out.rglob("*.parquet"))
    snapshot = load_snapshot(out)
    snapshot.con.close()


@pytest.mark.parametrize(
    ("received", "clock", "extended", "due"),
    [
        ("2026-01-31T10:00:00Z", None, False, date(2026, 3, 2)),  # rules.md's example
        ("2026-07-31T10:00:00Z", None, False, date(2026, 9, 1)),  # 31 Aug bank holiday
        ("2026-06-30T23:30:00Z", None, False, date(2026, 8, 3)),  # London date is 1 July
        ("2026-09-20T10:00:00Z", "2026-10-30T14:00:00Z", False, date(2026, 11, 30)),
        ("2026-08-01T09:00:00Z", None, True, date(2026, 11, 2)),
        ("2026-11-25T10:00:00Z", None, False, date(2026, 12, 29)),  # Christmas, Boxing Day
    ],
)
def test_due_dates_used_for_the_background_requests(received, clock, extended, due):
    assert sar_due(at(received), at(clock) if clock else None, extended) == due


def test_a_case_can_plant_an_organisation_of_its_own(tmp_path):
    """`World.add_org`, as CONTRIBUTING.md's recipe for a rule about organisations
    plants one: it is written, numbered after the others, and the rule finds it."""
    from insight_workbench.policy import load_policy
    from insight_workbench.rules.runner import run_check
    from insight_workbench.sample.planted import CASES, plant

    @plant("XX-900", planted="a trial organisation last contacted long ago")
    def _stale_trial(world, actors):  # a case of a rule under test: removed below
        created, contacted = at("2025-01-01T00:00:00Z"), at("2026-03-01T00:00:00Z")
        org = world.add_org("trial", created, last_contact_at=contacted, members=[actors.take()])
        world.add_org("trial", created, last_contact_at=contacted)  # no data held: no finding
        return [f"org:{org.org_id}"]

    try:
        out = generate_sample(tmp_path / "sample", orgs=16, users=200, days=30)
    finally:
        del CASES["XX-900"]
    document = json.loads((out / "planted.json").read_text(encoding="utf-8"))
    assert {"rule": "XX-900", "key": "org:O0017"} in document["findings"]
    snapshot = load_snapshot(out)
    try:
        found = run_check(snapshot, load_policy(), prefixes=["RET-002"]).findings
        assert {"org:O0017", "org:O0018"} & {finding.key for finding in found} == {"org:O0017"}
        assert row(snapshot, "SELECT count(*) FROM organisations") == (18,)
        assert row(snapshot, "SELECT count(*) FROM users WHERE org_id = 'O0017'") == (1,)
    finally:
        snapshot.con.close()
