"""Aggregate datasets for release: small groups left out, and the workbench's own DEID
rules find nothing in them."""

from __future__ import annotations

import hashlib
import json
import shutil
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from insight_workbench.deidentification.aggregates import DATASETS, deidentify
from insight_workbench.loading.manifest import write_manifest
from insight_workbench.loading.snapshot import Snapshot, load_snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules import RULES, run_rules, select_rules
from insight_workbench.testing import build_snapshot

AS_OF = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
LAST_MONTH = datetime(2026, 10, 25, 12, 0, tzinfo=UTC)  # within the last whole month
_NAMES = [d.name for d in DATASETS]


def _released(snapshot: Snapshot, target: Path) -> Snapshot:
    """A copy of `snapshot` whose deidentified/ folder is what `deidentify` writes."""
    shutil.copytree(snapshot.path, target, ignore=shutil.ignore_patterns("deidentified"))
    deidentify(snapshot, target / "deidentified", snapshot.manifest.exported_at, 10)
    write_manifest(
        target,
        snapshot.manifest.exported_at,
        snapshot.manifest.snapshot_id,
        snapshot.manifest.timezone,
    )
    return load_snapshot(target)


def _deid_findings(snapshot: Snapshot) -> list:
    rules = select_rules(RULES, ["DEID"])
    assert [r.code for r in rules] == ["DEID-001", "DEID-002", "DEID-003", "DEID-004"]
    return run_rules(snapshot, load_policy(), snapshot.manifest.exported_at, rules)


def test_deid_rules_pass_on_the_datasets(usage_snapshot: Snapshot, tmp_path: Path):
    released = _released(usage_snapshot, tmp_path / "released")
    assert {d.name for d in released.deidentified} == {d.name for d in DATASETS}
    assert all(d.meta and d.meta["kind"] == "aggregate" for d in released.deidentified)
    assert _deid_findings(released) == []


def test_deid_rules_pass_on_the_sample(sample: Snapshot, tmp_path: Path):
    assert _deid_findings(_released(sample, tmp_path / "released")) == []


def test_the_rules_would_find_the_small_cells_left_out(usage_snapshot: Snapshot, tmp_path: Path):
    # The same datasets without the min_cell filter: DEID-004 must object.
    target = tmp_path / "unsafe"
    shutil.copytree(usage_snapshot.path, target)
    deidentify(usage_snapshot, target / "deidentified", AS_OF, min_cell=1)
    write_manifest(target, AS_OF)
    codes = {f.rule for f in _deid_findings(load_snapshot(target))}
    assert codes == {"DEID-004"}


def test_every_count_reaches_the_minimum_and_sidecars_describe_the_files(
    usage_snapshot: Snapshot, tmp_path: Path
):
    written = deidentify(usage_snapshot, tmp_path, AS_OF, 10)
    assert len(written) == 2 * len(DATASETS)
    for dataset in DATASETS:
        frame = pd.read_csv(tmp_path / f"{dataset.name}.csv")
        meta = json.loads((tmp_path / f"{dataset.name}.meta.json").read_text())
        assert meta["count_columns"] == list(dataset.count_columns)
        assert set(meta["quasi_identifiers"]) <= set(frame.columns)
        assert len(frame) > 0
        for column in dataset.count_columns:
            assert (frame[column] >= 10).all()


def _people(org: str, n: int, product: str = "local_insight") -> tuple[dict, list, list]:
    organisation = {
        "org_id": org,
        "name": org,
        "product": product,
        "status": "active",
        "created_at": "2024-01-01T00:00:00Z",
    }
    users = [
        {
            "user_id": f"{org}-{i}",
            "org_id": org,
            "name": f"N {org} {i}",
            "email": f"{org}.{i}@example.com",
            "role": "user",
            "created_at": "2025-01-01T00:00:00Z",
        }
        for i in range(n)
    ]
    logins = [
        {
            "login_id": f"L-{org}-{i}",
            "ts": (LAST_MONTH - timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "user_id": f"{org}-{i}",
            "success": True,
            "ip": "192.0.2.1",
        }
        for i in range(n)
    ]
    return organisation, users, logins


def test_the_average_users_per_organisation_is_rounded_as_the_usage_headline(
    tmp_path: Path,
) -> None:
    """41 users of 40 active organisations: `usage` says 1.03 (1.025 rounded half up); the
    release said 1.02 (a double's rounding)."""
    tables: dict[str, list] = {"organisations": [], "users": []}
    for n in range(40):
        organisation, users, _ = _people(f"O{n}", 2 if n == 0 else 1)
        tables["organisations"].append(organisation)
        tables["users"] += users
    snapshot = load_snapshot(build_snapshot(tmp_path / "s", tables))
    deidentify(snapshot, tmp_path / "out", AS_OF, 10)
    frame = pd.read_csv(tmp_path / "out" / "users_per_organisation.csv")
    assert frame[["users", "avg_users_per_org"]].values.tolist() == [[41, 1.03]]


@pytest.mark.parametrize(
    ("org", "people", "published"),
    [("BIG", 12, True), ("EDGE", 10, True), ("SMALL", 9, False), ("LONE", 1, False)],
)
def test_small_organisations_are_left_out(tmp_path: Path, org: str, people: int, published: bool):
    organisation, users, logins = _people(org, people)
    other_org, other_users, other_logins = _people("OTHER", 15)
    snapshot = load_snapshot(
        build_snapshot(
            tmp_path / "s",
            {
                "organisations": [organisation, other_org],
                "users": users + other_users,
                "logins": logins + other_logins,
            },
        )
    )
    deidentify(snapshot, tmp_path / "out", AS_OF, 10)
    frame = pd.read_csv(tmp_path / "out" / "monthly_active_users_by_org.csv")
    assert (org in set(frame["org_id"])) is published
    # The month's active users of the product are shown elsewhere (the Usage page, the
    # usage report): beside a small organisation left out, OTHER's 15 would give it back.
    assert ("OTHER" in set(frame["org_id"])) is published
    if published:
        assert frame.set_index("org_id").loc["OTHER", "active_users"] == 15


def test_a_small_product_is_not_given_back_by_the_users_of_active_organisations(
    tmp_path: Path,
) -> None:
    """The Usage page shows the users of all active organisations (30 here): with
    community's 10 and value's 11 published, local's 9 was 30 - 10 - 11. The smallest
    published goes too, and 19 could be 9 + 10 or 8 + 11."""
    tables: dict[str, list] = {"organisations": [], "users": [], "logins": []}
    for org, people, product in (
        ("C", 10, "community_insight"),
        ("L", 9, "local_insight"),
        ("V", 11, "value_insight"),
    ):
        for name, rows in zip(tables, _people(org, people, product), strict=True):
            tables[name] += [rows] if isinstance(rows, dict) else rows
    snapshot = load_snapshot(build_snapshot(tmp_path / "s", tables))
    deidentify(snapshot, tmp_path / "out", AS_OF, 10)
    frame = pd.read_csv(tmp_path / "out" / "users_per_organisation.csv")
    assert frame[["product", "users"]].values.tolist() == [["value_insight", 11]]


@pytest.mark.parametrize(
    "label",
    [
        "Elsewhere-1 ",  # a user id, trimmed and case-insensitively
        "N Shared-ID 3\t",  # a user's name with a tab after it
        "shared-id.4 @example.com",  # an email address, compared as every address is
        "\uff53\uff48\uff41\uff52\uff45\uff44-id.5\uff20example.com",  # full-width
        "\t192.0.2.1",  # a login's IP address
        "\u039a\u038f\u03a3\u03a4\u0391\u03a3",  # a name in capitals: Σ is a final ς too
        "\u00a0elsewhere-1",  # a no-break space is white space too
        hashlib.md5(b"shared-id.4@example.com").hexdigest(),  # DEID-002's unsalted hashes
        hashlib.sha256(b"SHARED-ID.4@example.com").hexdigest().upper(),
        hashlib.sha1(b"elsewhere-1").hexdigest(),
        hashlib.md5("\u0130PEK@EXAMPLE.TR".lower().encode()).hexdigest(),  # i + a dot
        unicodedata.normalize("NFD", "\u039a\u03ce\u03c3\u03c4\u03b1\u03c2"),  # ώ as ω + ´
        "010.000.002.001",  # an IP address padded with zeros
        "2001:db8::1",
        "=Carol",  # published as `'=Carol`, a user's name
    ],
)
def test_a_label_equal_to_a_held_identifier_is_left_out(tmp_path: Path, label: str):
    """Left out as DEID-001 would find it: the released datasets pass the DEID rules."""
    organisation, users, logins = _people("SHARED-ID", 12)
    users[0]["user_id"] = "elsewhere-1"
    logins[0]["user_id"] = "elsewhere-1"
    users[1]["name"] = "\u039a\u03ce\u03c3\u03c4\u03b1\u03c2"
    users[2]["email"] = "\u0130PEK@EXAMPLE.TR"
    users[4]["name"] = "'=Carol"
    clash, clash_users, clash_logins = _people("X", 12)
    clash["org_id"] = label
    for user in clash_users:
        user["org_id"] = clash["org_id"]
    snapshot = load_snapshot(
        build_snapshot(
            tmp_path / "s",
            {
                "organisations": [organisation, clash],
                "users": users + clash_users,
                "logins": logins + clash_logins,
            },
        )
    )
    deidentify(snapshot, tmp_path / "out", AS_OF, 10)
    frame = pd.read_csv(tmp_path / "out" / "monthly_active_users_by_org.csv")
    assert frame["org_id"].tolist() == ["SHARED-ID"]


@pytest.mark.parametrize("label", ["1001", "2026.11", "ab:cd", "O:1"])
def test_a_label_shaped_like_no_identifier_is_published(tmp_path: Path, label: str):
    """Numbers and colons alone make no IP address (DEID-001 finds none in these): an
    organisation with such an id is published like any other."""
    organisation, users, logins = _people("X", 12)
    organisation["org_id"] = label
    for user in users:
        user["org_id"] = label
    snapshot = load_snapshot(
        build_snapshot(
            tmp_path / "s", {"organisations": [organisation], "users": users, "logins": logins}
        )
    )
    deidentify(snapshot, tmp_path / "out", AS_OF, 10)
    frame = pd.read_csv(tmp_path / "out" / "monthly_active_users_by_org.csv", dtype=str)
    assert frame["org_id"].tolist() == [label]


@pytest.mark.parametrize(
    ("as_of", "months"),
    [
        (AS_OF, ["2026-10"]),
        (datetime(2026, 11, 1, tzinfo=UTC), ["2026-10"]),
        (datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC), []),  # October still under way
    ],
)
def test_only_whole_months_before_the_as_of_are_published(
    tmp_path: Path, as_of: datetime, months: list[str]
) -> None:
    """Two releases within a month are the same files: no difference between them is
    about the few people active between the two as_of times."""
    organisation, users, logins = _people("ORG", 12)
    late = {**logins[0], "login_id": "L-late", "ts": "2026-11-27T09:26:40Z"}
    snapshot = load_snapshot(
        build_snapshot(
            tmp_path / "s",
            {"organisations": [organisation], "users": users, "logins": [*logins, late]},
        )
    )
    deidentify(snapshot, tmp_path / "out", as_of, 10)
    for name in ("monthly_active_users_by_org", "logins_by_month_product"):
        frame = pd.read_csv(tmp_path / "out" / f"{name}.csv")
        assert frame["month"].tolist() == months, name
    logins_by_month = pd.read_csv(tmp_path / "out" / "logins_by_month_product.csv")
    assert logins_by_month["logins"].tolist() == [12] * len(months)  # not the late one


def test_an_unknown_event_type_is_published_as_other(tmp_path: Path):
    organisation, users, logins = _people("ORG", 12)
    events = [
        {
            "event_id": f"E{i}-{kind}",
            "ts": login["ts"],
            "user_id": login["user_id"],
            "product": organisation["product"],
            "event_type": kind,
        }
        for i, login in enumerate(logins)
        for kind in ("Report_Run", "export:Someone Named")
    ]
    snapshot = load_snapshot(
        build_snapshot(
            tmp_path / "s",
            {
                "organisations": [organisation],
                "users": users,
                "logins": logins,
                "usage_events": events,
            },
        )
    )
    deidentify(snapshot, tmp_path / "out", AS_OF, 10)
    frame = pd.read_csv(tmp_path / "out" / "feature_use_by_month.csv")
    assert sorted(frame["event_type"]) == ["other", "report_run"]
    assert set(frame["users"]) == {12}


def _one_organisation(tmp_path: Path, org: str, event_type: str, **user0: str) -> Snapshot:
    """Twelve people of `org` (the first with `user0`'s values), each with a login and an
    event of `event_type` last month."""
    organisation, users, logins = _people(org, 12)
    users[0].update(user0)
    logins[0]["user_id"] = users[0]["user_id"]
    events = [
        {
            "event_id": f"E{i}",
            "ts": login["ts"],
            "user_id": login["user_id"],
            "product": organisation["product"],
            "event_type": event_type,
        }
        for i, login in enumerate(logins)
    ]
    tables = {"organisations": [organisation], "users": users, "logins": logins}
    return load_snapshot(build_snapshot(tmp_path / "s", {**tables, "usage_events": events}))


@pytest.mark.parametrize(
    ("org", "event_type", "user0", "withheld"),
    [
        # written as '@acme.org (a formula-like label), which reads as an email address
        ("@acme.org", "page_view", {}, {"monthly_active_users_by_org": 1}),
        # published as `download`, the name of a person; screened as " Download"
        ("O1", " Download", {"name": "download"}, {"feature_use_by_month": 1}),
        # published in the bucket `other`, the name of a person
        ("O1", "custom_thing", {"name": "Other"}, {"feature_use_by_month": 1}),
        # a product equal to a user id: every dataset names the product
        ("O1", "page_view", {"user_id": "local_insight"}, dict.fromkeys(_NAMES, 1)),
    ],
)
def test_a_label_is_screened_as_it_is_published_and_its_group_counted(
    tmp_path: Path, org: str, event_type: str, user0: dict[str, str], withheld: dict[str, int]
) -> None:
    """Each of these reached the released files, where DEID-001 found it; and the groups
    left out for their label were left out without a word."""
    snapshot = _one_organisation(tmp_path, org, event_type, **user0)
    heard: dict[str, int] = {}
    out = tmp_path / "out"
    deidentify(snapshot, out, AS_OF, 10, lambda name, groups: heard.update({name: groups}))
    assert heard == withheld
    for name in _NAMES:
        meta = json.loads((out / f"{name}.meta.json").read_text(encoding="utf-8"))
        assert meta["groups_left_out_for_their_label"] == withheld.get(name, 0)
        assert ("held identifier" in meta["suppression"]) == (name in withheld)
    assert _deid_findings(_released(snapshot, tmp_path / "released")) == []
