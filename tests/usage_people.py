"""A seeded snapshot of organisations, users and their activity, for the usage and
analyst-data tests: enough people per organisation and product that some counts
pass the minimum cell size and some do not, with IPv4, IPv6 and IPv4-mapped
addresses, varied user agents and referrers (some with an email in the URL),
failed logins on unknown accounts, deleted users and an orphan login.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from insight_workbench.testing import build_snapshot

EXPORTED_AT = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
PRODUCTS = ("local_insight", "community_insight", "value_insight")
AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/119.0.0.0 Safari/537.36 Edg/119.0.2151.97",
)
REFERRERS = (
    None,
    "https://www.google.com/search?q=local+insight",
    "https://intranet.example-council.gov.uk/links",
    "bing.com",
    "https://mail.example.org/?to=someone@example.org",
)
EVENTS = ("page_view", "report_run", "map_view", "download")


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _ip(rng: random.Random, user: int) -> str:
    kind = user % 5
    if kind == 3:
        return f"2001:db8:{user:x}:{rng.randrange(65536):x}::{rng.randrange(1, 65535):x}"
    if kind == 4:
        return f"::ffff:198.51.{user % 200}.{rng.randrange(1, 255)}"
    return f"10.{user % 200}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def build_usage_snapshot(
    folder: Path, *, seed: int = 7, orgs: int = 9, users: int = 240, days: int = 150
) -> Path:
    """Write the snapshot into `folder` and return it (same seed, same files)."""
    rng = random.Random(seed)
    organisations, people, logins, events = [], [], [], []
    statuses = ("active", "active", "active", "trial", "demo", "closed")
    for o in range(orgs):
        status = statuses[o % len(statuses)]
        organisations.append(
            {
                "org_id": f"ORG-{o:03d}",
                "name": f"Council {o}",
                "product": PRODUCTS[o % 3],
                "status": status,
                "created_at": "2024-06-01T00:00:00Z",
                "closed_at": "2026-10-01T00:00:00Z" if status == "closed" else None,
                "last_contact_at": "2026-11-01T00:00:00Z" if status in ("demo", "trial") else None,
            }
        )
    first_day = EXPORTED_AT - timedelta(days=days)
    for u in range(users):
        org = organisations[min(int(rng.paretovariate(1.2)) - 1, orgs - 1) if u % 4 else u % orgs]
        created = first_day - timedelta(days=rng.randrange(0, 400))
        uid = f"USR-{u:05d}"
        people.append(
            {
                "user_id": uid,
                "org_id": org["org_id"],
                "name": f"Person{u} Surname{u * 7 % 97}",
                "email": f"person.{u}@council{u % 9}.example.gov.uk",
                "telephone": f"+44 1632 {960000 + u:06d}" if u % 3 else None,
                "role": "group_admin" if u % 25 == 0 else "user",
                "created_at": _ts(created),
                "deleted_at": _ts(EXPORTED_AT - timedelta(days=3)) if u % 40 == 7 else None,
            }
        )
        activity = rng.random()
        for _ in range(int(activity * 40)):
            ts = first_day + timedelta(seconds=rng.randrange(days * 86400))
            login = len(logins)
            logins.append(
                {
                    "login_id": f"L{login:07d}",
                    "ts": _ts(ts),
                    "user_id": uid,
                    "success": rng.random() > 0.1,
                    "ip": _ip(rng, u),
                    "user_agent": AGENTS[(u + login % 2) % len(AGENTS)],
                    "referrer": REFERRERS[rng.randrange(len(REFERRERS))],
                }
            )
            for _ in range(rng.randrange(4)):
                events.append(
                    {
                        "event_id": f"E{len(events):08d}",
                        "ts": _ts(ts + timedelta(minutes=5)),
                        "user_id": uid,
                        "product": org["product"],
                        "event_type": rng.choice(EVENTS),
                    }
                )
    for n in range(30):  # failed attempts on unknown accounts, and one orphan login
        logins.append(
            {
                "login_id": f"LX{n:04d}",
                "ts": _ts(EXPORTED_AT - timedelta(hours=n * 7)),
                "user_id": "USR-GONE" if n == 0 else None,
                "success": n == 0,
                "ip": f"203.0.113.{n + 1}",
                "user_agent": "curl/8.4.0",
                "referrer": None,
            }
        )
    return build_snapshot(
        folder,
        {"organisations": organisations, "users": people, "logins": logins, "usage_events": events},
        exported_at=_ts(EXPORTED_AT),
    )
