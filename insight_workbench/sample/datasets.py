"""De-identified datasets under `deidentified/`: clean ones and planted bad ones.

Clean datasets keep every count at 0 or >= 10 and every quasi-identifier group at
>= 10 rows, and hold no identifier of a held user. Bad ones break exactly the
rules recorded for them (DEID-001..004, SEC-001).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from insight_workbench.sample.world import User, World
from insight_workbench.sample.writer import Plants, TableWriter

REGIONS = (
    "North East",
    "North West",
    "Yorkshire",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
)
PRODUCTS = ("local_insight", "community_insight", "value_insight")
MONTHS = ("2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11")


class Datasets:
    def __init__(self, folder: Path, fmt: str, plants: Plants, rng: random.Random, world: World):
        self.folder, self.fmt, self.plants, self.rng = folder / "deidentified", fmt, plants, rng
        self.people = [u for u in world.users if u.held]

    def write(
        self,
        name: str,
        columns: list[str],
        rows: list[list[str]],
        meta: Mapping[str, object] | None,
    ) -> None:
        writer = TableWriter(self.folder, name, columns, self.fmt, self.plants)
        for row in rows:
            writer.write(row)
        writer.close()
        if meta is not None:
            sidecar = self.folder / f"{name}.meta.json"
            sidecar.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")

    def bad(self, name: str, rule: str, column: str | None = None) -> None:
        self.plants.add(rule, f"dataset:{name}" + (f":{column}" if column else ""))

    def sample(self, n: int, with_phone: bool = False) -> list[User]:
        pool = [u for u in self.people if u.telephone] if with_phone else self.people
        return [self.rng.choice(pool) for _ in range(n)]


def write_datasets(folder: Path, fmt: str, plants: Plants, seed: int, world: World) -> None:
    d = Datasets(folder, fmt, plants, random.Random(f"{seed}/datasets"), world)
    for build in (
        _monthly_activity,
        _usage_by_region,
        _survey,
        _login_extract,
        _newsletter,
        _partner_share,
        _case_notes,
        _churn,
        _feature_adoption,
    ):
        build(d)


def _groups(
    d: Datasets, keys: Sequence[tuple[str, ...]], low: int = 10, high: int = 16
) -> list[list[str]]:
    """Rows for microdata: each key combination repeated at least `low` times, shuffled."""
    rows = [list(key) for key in keys for _ in range(d.rng.randint(low, high))]
    d.rng.shuffle(rows)
    return rows


def _monthly_activity(d: Datasets) -> None:  # clean aggregate with sidecar (and zero cells)
    rows = []
    for month in MONTHS:
        for product in PRODUCTS:
            launched = not (product == "value_insight" and month < "2026-06")
            users = d.rng.randint(12, 240) if launched else 0
            logins = users * d.rng.randint(4, 30)
            minutes = f"{d.rng.uniform(6, 25):.1f}" if users else ""
            rows.append([product, month, str(users), str(logins), minutes])
    meta = {
        "kind": "aggregate",
        "quasi_identifiers": ["product", "month"],
        "count_columns": ["active_users", "logins"],
    }
    d.write(
        "org_monthly_activity",
        ["product", "month", "active_users", "logins", "avg_session_minutes"],
        rows,
        meta,
    )


def _usage_by_region(d: Datasets) -> None:  # inferred aggregate with small cells
    rows = []
    small = {
        ("North East", "value_insight"),
        ("South West", "value_insight"),
        ("London", "local_insight"),
    }
    for region in REGIONS:
        for product in PRODUCTS:
            if (region, product) in small:
                n = d.rng.randint(1, 9)
            elif region == "North East" and product == "community_insight":
                n = 0
            else:
                n = d.rng.randint(10, 320)
            total = 0 if n == 0 else max(10, n * d.rng.randint(3, 25))
            rows.append([region, product, str(n), str(total)])
    d.write("usage_by_region", ["region", "product", "n_users", "total"], rows, None)
    d.bad("usage_by_region", "DEID-004", "n_users")


def _survey(d: Datasets) -> None:  # clean microdata with sidecar
    keys = [
        (age, region, role)
        for age in ("25-34", "35-49", "50-64")
        for region, role in (
            ("London", "user"),
            ("North West", "user"),
            ("South East", "group_admin"),
        )
    ]
    rows = [
        [*key, str(d.rng.randint(1, 5)), d.rng.choice(("yes", "no"))] for key in _groups(d, keys)
    ]
    meta = {"kind": "microdata", "quasi_identifiers": ["age_band", "region", "role"]}
    d.write(
        "user_survey_2026",
        ["age_band", "region", "role", "satisfaction", "would_recommend"],
        rows,
        meta,
    )


def _login_extract(d: Datasets) -> None:  # inferred microdata with raw IP addresses
    rows = []
    for user in d.sample(36):
        week = f"2026-W{d.rng.randint(36, 47)}"
        ip = d.rng.choice((user.office_ip, user.home_ip, user.mobile_ip))
        browser, system = _browser(user.desktop_agent)
        rows.append([week, browser, system, ip])
    d.write("login_extract_for_research", ["week", "browser", "os", "ip"], rows, None)
    d.bad("login_extract_for_research", "DEID-001", "ip")
    d.bad("login_extract_for_research", "DEID-003")


def _browser(agent: str) -> tuple[str, str]:
    for name in ("Edg", "Firefox", "Chrome", "Version"):
        found = re.search(name + r"/(\d+)", agent)
        if found:
            label = {"Edg": "Edge", "Version": "Safari"}.get(name, name)
            system = "macOS" if "Mac OS" in agent else "Linux" if "Linux" in agent else "Windows"
            return f"{label} {found.group(1)}", system
    return "Other", "Other"


def _newsletter(d: Datasets) -> None:  # microdata whose "pseudonyms" are unsalted hashes
    keys = [(month, product) for month in MONTHS[2:] for product in PRODUCTS]
    rows = []
    for key in _groups(d, keys):
        user = d.rng.choice(d.people)
        email = user.email.strip().lower().encode()
        rows.append(
            [
                *key,
                hashlib.sha256(email).hexdigest(),
                hashlib.sha1(email).hexdigest(),
                hashlib.md5(user.user_id.encode()).hexdigest().upper(),
                d.rng.choice(("0", "1")),
                str(d.rng.randint(0, 4)),
            ]
        )
    meta = {"kind": "microdata", "quasi_identifiers": ["month", "product"]}
    d.write(
        "newsletter_engagement",
        ["month", "product", "subscriber", "legacy_id", "user_ref", "opened", "clicks"],
        rows,
        meta,
    )
    for column in ("subscriber", "legacy_id", "user_ref"):
        d.bad("newsletter_engagement", "DEID-002", column)


def _partner_share(d: Datasets) -> None:  # clean aggregate that carries an API token
    rows = []
    for quarter in ("2026-Q1", "2026-Q2", "2026-Q3"):
        for product in PRODUCTS:
            orgs = (
                0 if product == "value_insight" and quarter == "2026-Q1" else d.rng.randint(10, 60)
            )
            rows.append([product, quarter, str(orgs), f"{d.rng.getrandbits(128):032x}"])
    meta = {
        "kind": "aggregate",
        "quasi_identifiers": ["product", "quarter"],
        "count_columns": ["organisations"],
    }
    d.write("partner_share", ["product", "quarter", "organisations", "access_token"], rows, meta)
    d.plants.add("SEC-001", "column:deidentified/partner_share:access_token")


def _case_notes(d: Datasets) -> None:  # "anonymised" support notes that are not
    keys = [(q, p) for q in ("2026-Q2", "2026-Q3") for p in PRODUCTS]
    categories = ("login help", "invoice query", "data question", "training request")
    rows = []
    for n, key in enumerate(_groups(d, keys, 10, 12)):
        user = d.rng.choice(d.people)
        caller = d.sample(1, with_phone=True)[0]
        name = user.name if d.rng.random() < 0.5 else f" {user.name.lower()} "
        phoned = n == 0 or d.rng.random() < 0.6
        callback = (caller.telephone or "").replace(" ", "-") if phoned else ""
        category = "invoice query" if n == 0 else d.rng.choice(categories)
        summary = (
            f"Asked for invoices to go to {user.email}"
            if category == "invoice query"
            else f"Resolved: {category}"
        )
        rows.append([*key, category, name, user.user_id, callback, summary])
    meta = {"kind": "microdata", "quasi_identifiers": ["quarter", "product"]}
    d.write(
        "case_notes_sample",
        ["quarter", "product", "note_category", "contact_name", "account", "callback", "summary"],
        rows,
        meta,
    )
    for column in ("contact_name", "account", "callback", "summary"):
        d.bad("case_notes_sample", "DEID-001", column)


def _churn(d: Datasets) -> None:  # microdata with rare combinations (k < 10)
    reasons = ("budget cuts", "moved to in-house tool", "restructure", "project ended")
    rows = []
    for _ in range(28):
        rows.append(
            [
                d.rng.choice(PRODUCTS),
                d.rng.choice(REGIONS),
                d.rng.choice(("small", "medium", "large")),
                d.rng.choice(reasons),
                str(d.rng.randint(3, 60)),
            ]
        )
    meta = {"kind": "microdata", "quasi_identifiers": ["product", "region", "org_size_band"]}
    d.write(
        "churn_reasons",
        ["product", "region", "org_size_band", "reason", "months_subscribed"],
        rows,
        meta,
    )
    d.bad("churn_reasons", "DEID-003")


def _feature_adoption(d: Datasets) -> None:  # clean inferred microdata
    keys = [(p, tier) for p in PRODUCTS for tier in ("standard", "premium")]
    rows = [
        [*key, f"{d.rng.uniform(0, 1):.2f}", str(d.rng.randint(0, 12))] for key in _groups(d, keys)
    ]
    d.write(
        "feature_adoption",
        ["product", "plan_tier", "adoption_score", "sessions_per_week"],
        rows,
        None,
    )
