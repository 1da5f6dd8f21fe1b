"""Building the organisations and their users (background plus planted organisations)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

from insight_workbench.loading.schema import PRODUCTS
from insight_workbench.sample import people
from insight_workbench.sample.planted import ACTOR_CREATED_BEFORE
from insight_workbench.sample.timekeeping import DAY, EXPORTED_AT, HOUR, at, day_text, daytime
from insight_workbench.sample.world import Org, User, World

# Organisations whose dates make a retention rule fire or stay quiet at a boundary.
# (scenario, status, created_at, closed_at, last_contact_at, quiet after contact, users)
PlantedOrg = tuple[str, str, str, str | None, str | None, int | None, int]
PLANTED_ORGS: tuple[PlantedOrg, ...] = (
    ("closed_stale", "closed", "2023-04-10T10:00:00Z", "2026-09-15T16:30:00Z", None, None, 5),
    (
        "closed_soft_deleted",
        "closed",
        "2022-11-01T09:00:00Z",
        "2026-07-31T17:00:00Z",
        None,
        None,
        3,
    ),
    ("closed_at_due", "closed", "2024-02-12T11:00:00Z", "2026-10-31T02:00:00Z", None, None, 3),
    ("closed_recent", "closed", "2024-06-03T09:30:00Z", "2026-11-20T12:00:00Z", None, None, 4),
    ("trial_stale", "trial", "2026-05-02T10:00:00Z", None, "2026-06-20T11:00:00Z", 5, 3),
    ("demo_stale", "demo", "2026-07-20T13:00:00Z", None, "2026-08-10T14:00:00Z", 2, 2),
    ("demo_at_due", "demo", "2026-08-01T09:00:00Z", None, "2026-08-28T02:00:00Z", 0, 2),
    ("trial_91_days", "trial", "2026-07-15T10:00:00Z", None, "2026-08-29T01:00:00Z", 0, 3),
    ("trial_month_end", "trial", "2026-08-03T10:00:00Z", None, "2026-08-31T09:00:00Z", 0, 2),
    ("demo_purged", "demo", "2026-03-01T10:00:00Z", None, "2026-05-01T10:00:00Z", None, 0),
)
# Background organisations: at least one of each status, then by weight.
FIRST_STATUSES = ("active_old", "trial", "demo", "closed", "closed_recent", "active_old")
STATUS_WEIGHTS = {"active": 72, "trial": 9, "demo": 5, "closed": 10, "closed_recent": 4}
# The planted cases take their users from the long-standing active organisations
# (`planted.Actors`): however the sizes fall, those hold at least this many users.
ACTIVE_USERS_AT_LEAST = 80


def build_world(seed: int, n_orgs: int, n_users: int, days: int) -> World:
    rng = random.Random(f"{seed}/world")
    orgs = _organisations(rng, n_orgs)
    _share_users(rng, orgs, n_users)
    counter = itertools.count()
    users = [user for org in orgs for user in _org_users(rng, org, counter)]
    users += _erased_users(rng, orgs, max(6, n_users // 60), counter)
    users.sort(key=lambda u: (u.created_at, u.index))
    _assign_offices(users)
    emails: set[str] = set()
    for number, user in enumerate(users, start=1):
        user.user_id = f"U{number:06d}"
        user.email = _unique_email(user, emails)
    return World(seed, EXPORTED_AT - days * DAY, orgs, users)


def _organisations(rng: random.Random, n_orgs: int) -> list[Org]:
    slots = list(range(n_orgs))
    rng.shuffle(slots)
    planted_slots = dict(zip(slots, PLANTED_ORGS, strict=False))
    background = iter(FIRST_STATUSES)
    names: set[str] = set()
    orgs = []
    for index in range(n_orgs):
        product = rng.choice(PRODUCTS)
        name = _org_name(rng, product, names)
        slug = name.lower().replace(" ", "-")
        org = Org(
            index,
            f"O{index + 1:04d}",
            name,
            f"https://www.{slug}.example.org/",
            f"{slug}.example.org",
            product,
            "active",
            0,
        )
        spec = planted_slots.get(index)
        if spec:
            _planted_dates(org, spec)
        else:
            kind = (
                next(background, None)
                or rng.choices(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()))[0]
            )
            _background_dates(rng, org, kind)
        orgs.append(org)
    return orgs


def _org_name(rng: random.Random, product: str, taken: set[str]) -> str:
    while True:
        name = f"{rng.choice(people.PLACES)} {rng.choice(people.ORG_KINDS[product])}"
        if name not in taken:
            taken.add(name)
            return name
        if len(taken) > 80:  # many organisations: number the rest
            name = f"{name} {len(taken)}"
            taken.add(name)
            return name


def _planted_dates(org: Org, spec: PlantedOrg) -> None:
    scenario, status, created, closed, contact, quiet_days, n_users = spec
    org.scenario, org.status, org.created_at = scenario, status, at(created)
    org.n_users = n_users
    if closed:
        org.closed_at = at(closed)
        org.subscription_start = day_text(org.created_at // DAY + 14)
    if contact:
        org.last_contact_at = at(contact)
        if quiet_days is not None:
            org.activity_end = org.last_contact_at + quiet_days * DAY


def _background_dates(rng: random.Random, org: Org, kind: str) -> None:
    e = EXPORTED_AT
    org.n_users = -1  # takes a share of the users (closed and purged ones: none)
    if kind in ("active", "active_old"):
        old = kind == "active_old" or rng.random() < 0.8
        age = (
            rng.randint(600 if kind == "active_old" else 300, 1800) if old else rng.randint(45, 300)
        )
        org.created_at = daytime(rng, e - age * DAY)
        org.subscription_start = day_text(org.created_at // DAY + rng.randint(0, 40))
    elif kind in ("trial", "demo"):
        org.status = kind
        org.created_at = daytime(rng, e - rng.randint(5, 110) * DAY)
        earliest = max(org.created_at, e - 80 * DAY)
        contact = rng.randint(earliest, e - 6 * HOUR)
        org.last_contact_at = daytime(rng, contact, earliest, e - 6 * HOUR)
    else:  # closed: long ago and purged, or within the 28 days and still held
        org.status = "closed"
        recent = kind == "closed_recent"
        closed = e - rng.randint(2, 25) * DAY if recent else e - rng.randint(45, 700) * DAY
        org.closed_at = daytime(rng, closed)
        org.created_at = daytime(rng, org.closed_at - rng.randint(200, 1500) * DAY)
        if rng.random() < 0.8:
            org.subscription_start = day_text(org.created_at // DAY + rng.randint(0, 40))
        org.n_users = -1 if recent else 0


def _share_users(rng: random.Random, orgs: list[Org], n_users: int) -> None:
    """Spread the background users over the organisations that hold any, each at least one."""
    fixed = sum(o.n_users for o in orgs if o.scenario != "background")
    sharing = [o for o in orgs if o.scenario == "background" and o.n_users != 0]
    weights = [_size_weight(rng, o) for o in sharing]
    left = n_users - fixed - len(sharing)
    total = sum(weights)
    for org, weight in zip(sharing, weights, strict=True):
        org.n_users = 1 + int(left * weight / total)
    sharing[0].n_users += n_users - sum(o.n_users for o in orgs)
    _fill_active(sharing)


def _fill_active(sharing: list[Org]) -> None:
    """Move users from the largest other organisations (each keeps one) to the oldest
    active one until the long-standing active organisations hold `ACTIVE_USERS_AT_LEAST`:
    a size drawn large for a demo, a closed or a young organisation would otherwise leave
    too few users to plant every case."""
    settled = ACTOR_CREATED_BEFORE - 365 * DAY  # most of their users made before that
    active = [o for o in sharing if o.status == "active" and o.created_at < settled]
    short = ACTIVE_USERS_AT_LEAST - sum(o.n_users for o in active)
    if short <= 0 or not active:
        return
    oldest = min(active, key=lambda o: (o.created_at, o.index))
    others = sorted((o for o in sharing if o not in active), key=lambda o: (-o.n_users, o.index))
    for org in others:
        moved = min(short, org.n_users - 1)
        org.n_users -= moved
        oldest.n_users += moved
        short -= moved


def _size_weight(rng: random.Random, org: Org) -> float:
    base = rng.paretovariate(1.6)
    return base * (0.25 if org.status in ("trial", "demo") else 1.0)


def _org_users(rng: random.Random, org: Org, counter: Iterator[int]) -> list[User]:
    end = org.activity_end or org.closed_at or EXPORTED_AT - 2 * HOUR
    if org.last_contact_at and org.scenario != "background":
        end = min(end, org.last_contact_at)
    users = []
    for k in range(org.n_users):
        span = max(end - org.created_at - 2 * HOUR, HOUR)
        created = org.created_at + HOUR + (0 if k == 0 else int(span * rng.random() ** 2))
        if k:
            created = daytime(rng, created, org.created_at + HOUR, end - HOUR)
        role = "group_admin" if k == 0 or rng.random() < 0.08 else "user"
        users.append(_new_user(rng, org, created, role, next(counter)))
    if org.status == "active" and org.scenario == "background":
        for user in users[1:]:
            if rng.random() < 0.05:  # leavers: the account is soft-deleted
                start = user.created_at + 20 * DAY
                if start < EXPORTED_AT - 2 * DAY:
                    gone = rng.randint(start, EXPORTED_AT - 2 * DAY)
                    user.deleted_at = daytime(rng, gone, start, EXPORTED_AT - 2 * DAY)
    for user in users:
        _background_preferences(rng, user)
    return users


def _new_user(rng: random.Random, org: Org, created: int, role: str, index: int) -> User:
    first, last = people.person_name(rng)
    user = User(index, org, first, last, "", people.telephone(rng), role, created)
    roll = rng.random()
    user.intensity = 0.4 if roll < 0.12 else 0.1 if roll < 0.55 else 0.02
    user.home_ip = people.home_ip(index)
    user.mobile_ip = people.mobile_ip(index)
    user.desktop_agent = people.desktop_agent(rng)
    user.mobile_agent = people.mobile_agent(rng)
    return user


def _assign_offices(users: list[User]) -> None:
    """Colleagues share an office address, at most eight to one address."""
    group = 0
    by_org: dict[int, int] = {}
    for user in users:
        seen = by_org.get(user.org.index, 0)
        if seen % 8 == 0:
            group += 1
        by_org[user.org.index] = seen + 1
        user.office_ip = people.office_ip(group - 1)


def _erased_users(
    rng: random.Random, orgs: list[Org], count: int, counter: Iterator[int]
) -> list[User]:
    """Accounts erased on request: gaps in the user ids, nothing held."""
    live = [o for o in orgs if o.status == "active" and o.created_at < EXPORTED_AT - 400 * DAY]
    erased = []
    for _ in range(count):
        org = rng.choice(live)
        created = rng.randint(org.created_at + DAY, EXPORTED_AT - 300 * DAY)
        created = daytime(rng, created, org.created_at + DAY, EXPORTED_AT - 300 * DAY)
        user = _new_user(rng, org, created, "user", next(counter))
        user.held = False
        user.background = False
        erased.append(user)
    return erased


CHANNELS = ("unsubscribe_link", "settings", "support_request")


def _background_preferences(rng: random.Random, user: User) -> None:
    end = user.active_until()
    if end - user.created_at < 4 * DAY:
        return
    for category, share in (("promotional", 0.12), ("product_update", 0.06)):
        if rng.random() >= share:
            continue
        out_at = rng.randint(user.created_at + DAY, end - 2 * DAY)
        out_at = daytime(rng, out_at, user.created_at + DAY, end - 2 * DAY)
        channel = rng.choices(CHANNELS, (60, 25, 15))[0]
        user.preferences.append((out_at, category, True, channel))
        if rng.random() < 0.25 and end - out_at > 3 * DAY:
            user.preferences.append(
                (
                    daytime(rng, rng.randint(out_at + DAY, end - DAY), out_at + DAY, end - DAY),
                    category,
                    False,
                    "settings",
                )
            )
    if not user.preferences and rng.random() < 0.03:
        when = daytime(rng, rng.randint(user.created_at, end - DAY), user.created_at, end - DAY)
        user.preferences.append((when, "product_update", False, "settings"))


def _unique_email(user: User, taken: set[str]) -> str:
    local = f"{user.first}.{user.last}".lower()
    email, n = f"{local}@{user.org.domain}", 1
    while email in taken:
        n += 1
        email = f"{local}{n}@{user.org.domain}"
    taken.add(email)
    return email
