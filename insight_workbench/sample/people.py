"""Synthetic people and their devices: names, example-domain emails, Ofcom drama
telephone numbers, browsers and documentation-range IP addresses.

Nothing here can belong to a real person: emails are on `example.*` domains,
telephones are in the ranges Ofcom keeps for drama (01632 960xxx, 07700 900xxx),
IPv4 addresses are in TEST-NET or the shared carrier-grade NAT range and IPv6
addresses in 2001:db8::/32.
"""

from __future__ import annotations

import random


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST = _words(
    "Aisha Alan Alice Amara Amir Anna Ben Beth Caitlin Callum Chloe Chris Dan Deepa "
    "Dylan Eleanor Ellie Emma Ewan Farah Fiona Freya George Grace Hannah Harry Imran "
    "Isla Jack Jade James Jasmine Joe Kamal Kate Kieran Laura Leah Liam Lucy Maya Megan "
    "Mohammed Nadia Naomi Nathan Niamh Oliver Olivia Owen Priya Rachel Rhys Rosie Ryan "
    "Sam Sara Sean Sophie Tariq Tom Usman Victoria Will Yasmin Zara Zoe"
)
LAST = _words(
    "Adams Ahmed Ali Allen Bailey Baker Begum Bell Bennett Brown Campbell Carter Chapman "
    "Clarke Collins Cooper Davies Dixon Edwards Evans Fisher Fletcher Green Griffiths "
    "Hall Harris Hill Hughes Hussain Jackson James Johnson Jones Kaur Kelly Khan King "
    "Knight Lewis Lloyd Martin Mason Miah Mills Mitchell Moore Morgan Morris Murphy Owen "
    "Palmer Parker Patel Phillips Price Reid Richards Roberts Robinson Rogers Scott Shah "
    "Singh Smith Stewart Taylor Thomas Thompson Turner Walker Ward Watson White Williams "
    "Wilson Wood Wright Young"
)
PLACES = _words(
    "Ashford Barnfield Brackley Calderbrook Crowmarsh Dunmere Eastvale Elmbridge Fenwick "
    "Glenmoor Hartwell Highcliff Kingsmere Lindale Marshfield Millbrook Northshire "
    "Oakhurst Pendle Redmarsh Riverside Saltcombe Southmoor Stanbury Thornbury Westhaven "
    "Whitley Wyndham"
)
ORG_KINDS = {
    "local_insight": ("Borough Council", "County Council", "District Council", "City Council"),
    "community_insight": ("Housing Association", "Homes", "Housing Trust", "Community Homes"),
    "value_insight": ("Community Trust", "Housing Group", "Social Value Partnership", "Homes"),
}
BROWSERS_DESKTOP = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36 Edg/130.0.2849.68",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/129.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
)
DESKTOP_WEIGHTS = (38, 22, 9, 9, 8, 3, 2)
BROWSERS_MOBILE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.6778.39 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.6723.102 Mobile Safari/537.36",
)
MOBILE_WEIGHTS = (45, 10, 30, 15)
SEARCH_REFERRERS = (
    "https://www.google.com/",
    "https://www.google.co.uk/",
    "https://www.bing.com/",
    "https://duckduckgo.com/",
)
SECTOR_REFERRERS = (
    "https://www.localgov-news.example.org/data-tools",
    "https://www.housing-network.example.org/resources",
    "https://www.ocsi.example.com/insight",
    "https://mail.example.com/",
    "https://teams.example.com/",
)


def person_name(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST), rng.choice(LAST)


def telephone(rng: random.Random) -> str | None:
    """About half the users enter a number; formats vary as people type them."""
    roll = rng.random()
    if roll < 0.5:
        return None
    n = rng.randrange(1000)
    if roll < 0.8:
        return f"01632 960{n:03d}"
    if roll < 0.93:
        return f"07700 900{n:03d}"
    return f"+44 7700 900{n:03d}"


def _spread(i: int, bits: int) -> int:
    """A bijection of 0..2**bits-1, so neighbouring users do not get neighbouring addresses."""
    return (i * 2_654_435_761) % (1 << bits)


def office_ip(group: int) -> str:
    """Shared office NAT address of a group of at most eight colleagues."""
    if group < 254:
        return f"198.51.100.{group + 1}"
    if group < 508:
        return f"192.0.2.{group - 253}"
    n = _spread(group, 21)
    return f"100.{96 + (n >> 16)}.{(n >> 8) & 255}.{n & 255}"


def home_ip(user: int) -> str:
    n = _spread(user, 21)
    return f"100.{64 + (n >> 16)}.{(n >> 8) & 255}.{n & 255}"


def mobile_ip(user: int) -> str:
    n = _spread(user, 32)
    return f"2001:db8:{n >> 16:x}:{n & 0xFFFF:x}::{(user % 4000) + 16:x}"


def desktop_agent(rng: random.Random) -> str:
    return rng.choices(BROWSERS_DESKTOP, DESKTOP_WEIGHTS)[0]


def mobile_agent(rng: random.Random) -> str:
    return rng.choices(BROWSERS_MOBILE, MOBILE_WEIGHTS)[0]


def referrer(rng: random.Random, org_site: str) -> str:
    """Where a login came from: mostly typed or bookmarked (empty = direct)."""
    roll = rng.random()
    if roll < 0.55:
        return ""
    if roll < 0.78:
        return rng.choice(SEARCH_REFERRERS)
    if roll < 0.9:
        return org_site
    return rng.choice(SECTOR_REFERRERS)
