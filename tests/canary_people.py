"""A small snapshot with a canary in every free-text column, for the leak tests.

Thirty people in two organisations, all active in the last month, so most labels
pass the minimum cell size of 10: a canary is hidden by the closed vocabularies,
not by suppression. The canaries: an event type with an email in it, a referrer
on an unknown site (with an email in its query) and one on the organisation's own
site, a home-made user agent, an organisation name and a free-text org id, user
names, emails and telephones, IPv4 and IPv6 addresses and text in the IP column,
and a requester email. One legitimate event type is used by three people only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from insight_workbench.testing import build_snapshot

EXPORTED_AT = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
PEOPLE = 30
RARE_EVENT = "indicator_search"  # on the vocabulary, but used by three people only
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)

EVENT_TYPE = "export:canary.person@example.test"
REFERRER = "https://canary-referrer.example.test/share?to=canary.referrer@example.test"
ORG_SITE = "https://www.canary-holdings.example.org/staff"
USER_AGENT = "CanaryBot/1.0 (+mailto:canary.agent@example.test)"
ORGS = (
    ("canary-holdings", "Canary Holdings Ltd", "local_insight"),
    ("ORG-2", "Canary Vale Council", "community_insight"),
)
REQUESTER = "canary.requester@example.test"
NOT_AN_ADDRESS = "canary-host.example.test"


def name(i: int) -> str:
    return f"Canary Person {i:02d}"


def email(i: int) -> str:
    return f"Canary.Person{i:02d}@Example.test"


def telephone(i: int) -> str:
    return f"+44 7700 900{i:03d}"


def ip(i: int) -> str:
    if i == PEOPLE - 1:
        return NOT_AN_ADDRESS
    return f"203.0.113.{50 + i}" if i % 2 else f"2001:db8:ca7a:{i:x}::77"


def canaries() -> list[str]:
    """Every planted value; none may reach anything an analyst sees."""
    people = [f(i) for i in range(PEOPLE) for f in (name, email, telephone, ip)]
    orgs = [part for org_id, org_name, _ in ORGS for part in (org_id, org_name)]
    return [EVENT_TYPE, REFERRER, ORG_SITE, USER_AGENT, REQUESTER, *orgs, *people]


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def build_canary_snapshot(folder: Path) -> Path:
    organisations = [
        {
            "org_id": org_id,
            "name": org_name,
            "product": product,
            "status": "active",
            "created_at": "2025-01-01T00:00:00Z",
        }
        for org_id, org_name, product in ORGS
    ]
    users, logins, events = [], [], []
    for i in range(PEOPLE):
        org_id, _, product = ORGS[0] if i < 20 else ORGS[1]
        user_id = f"U{i:02d}"
        users.append(
            {
                "user_id": user_id,
                "org_id": org_id,
                "name": name(i),
                "email": email(i),
                "telephone": telephone(i),
                "role": "user",
                "created_at": "2025-02-01T00:00:00Z",
            }
        )
        for day in (1, 5, 10):
            moment = EXPORTED_AT - timedelta(days=day, minutes=i)
            logins.append(
                {
                    "login_id": f"L{len(logins):04d}",
                    "ts": _ts(moment),
                    "user_id": user_id,
                    "success": True,
                    "ip": ip(i),
                    "user_agent": USER_AGENT if i < 15 else CHROME,
                    "referrer": REFERRER if i < 12 else ORG_SITE if i < 24 else None,
                }
            )
            kinds = ["page_view", EVENT_TYPE, *([RARE_EVENT] if i < 3 else [])]
            for kind in kinds:
                events.append(
                    {
                        "event_id": f"E{len(events):05d}",
                        "ts": _ts(moment + timedelta(minutes=3)),
                        "user_id": user_id,
                        "product": product,
                        "event_type": kind,
                    }
                )
    requests = [
        {
            "request_id": "R1",
            "received_at": "2026-11-20T09:00:00Z",
            "requester_email": REQUESTER,
            "user_id": "U00",
            "type": "access",
            "status": "open",
            "extended": False,
        }
    ]
    return build_snapshot(
        folder,
        {
            "organisations": organisations,
            "users": users,
            "logins": logins,
            "usage_events": events,
            "subject_requests": requests,
        },
        exported_at=_ts(EXPORTED_AT),
    )
