"""Planted violations (and near misses) of the rules, and the registry of planted cases.

The sample must break every rule at least once, at a known place, so `planted.json`
can be the oracle of the rule tests. Each rule has one registered `PlantedCase`:
what is planted and which near misses sit exactly on the other side of the rule's
boundary (they must NOT be findings). `make sample` writes docs/sample.md from these
descriptions and planted.json.

A new rule's case is one small function at the end of this file:

    @plant(
        "ACC-006",
        planted="one account signed in from five addresses within an hour",
        near_misses="another signed in from four addresses within an hour",
    )
    def _shared_account(_world: World, actors: Actors) -> list[str]:  # world: unused here
        shared, near = actors.take(), actors.take()  # users no other case uses
        for i in range(5):
            login(shared, f"2026-10-01T09:{10 * i:02d}:00Z", True, ip=f"192.0.2.{20 + i}")
        for i in range(4):
            login(near, f"2026-10-02T09:{10 * i:02d}:00Z", True, ip=f"192.0.2.{30 + i}")
        return [f"user:{shared.user_id}"]  # the keys the rule must report

It receives the world (organisations and users, before any row is written) and the
pool of actors, adds rows with the helpers below (`login`, `message`, `User.add`),
and returns the finding keys. A rule keyed by a row of logins, communications or
admin_views tags the row instead (`login(..., tag="ACC-006")`): the key (`login:`,
`message:`, `view:` + the row's id) is recorded when the row is written. Cases run
after the built-in scenarios, in registration order.

The older scenarios (`plant_organisations`, `plant_access`, ... and the requests,
processors and datasets modules) plant several rules at once and only `describe` them
here; rows in subject_requests, processors or deidentified/ are planted in the module
that writes that table, with its case registered by `describe`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from insight_workbench.errors import InputError
from insight_workbench.sample.timekeeping import at, iso
from insight_workbench.sample.world import User, World
from insight_workbench.sample.writer import Plants

BOT_AGENT = "python-requests/2.32.3"
ACTOR_CREATED_BEFORE = at("2026-04-01T00:00:00Z")


class Actors:
    """Background users of long-standing active organisations, handed out once each."""

    def __init__(self, rng: random.Random, world: World) -> None:
        pool = [
            u
            for u in world.users
            if u.held
            and u.background
            and u.org.status == "active"
            and u.org.scenario == "background"
            and u.deleted_at is None
            and u.created_at < ACTOR_CREATED_BEFORE
        ]
        rng.shuffle(pool)
        self.pool = pool
        self._next = 0

    def any(self, before: int) -> User:
        """A user created before `before`, for a record that changes nothing about them."""
        for _ in range(len(self.pool)):
            self._next += 1
            user = self.pool[-(self._next % len(self.pool)) - 1]
            if user.created_at < before:
                return user
        return self.pool[0]

    def take(self, role: str | None = None) -> User:
        """A user not used by another scenario; given `role` if none has it already."""
        free = [user for user in self.pool if not user.picked]
        if not free:
            raise InputError("--users: too few users to plant every scenario; use more users")
        chosen = next((user for user in free if role is None or user.role == role), free[0])
        chosen.picked = True
        if role:
            chosen.role = role
        return chosen


PlantFunction = Callable[[World, Actors], Iterable[str]]


@dataclass(frozen=True)
class PlantedCase:
    """What the sample plants for one rule, in words for docs/sample.md."""

    rule: str  # the rule code, e.g. "RET-001"
    planted: str  # the violations planted
    near_misses: str  # rows just on the other side of the boundary: no finding
    plant: PlantFunction | None = None  # None: made by the built-in scenarios


CASES: dict[str, PlantedCase] = {}  # rule code -> its case, in registration order


def _register(case: PlantedCase) -> None:
    if case.rule in CASES:
        raise ValueError(f"planted case for {case.rule} registered twice")
    CASES[case.rule] = case


def describe(rule: str, planted: str, near_misses: str = "—") -> None:
    """Register the description of a case that the built-in scenarios make."""
    _register(PlantedCase(rule, planted, near_misses))


def plant(
    rule: str, planted: str, near_misses: str = "—"
) -> Callable[[PlantFunction], PlantFunction]:
    """Register `function(world, actors) -> keys` as the planted case of `rule`."""

    def register(function: PlantFunction) -> PlantFunction:
        _register(PlantedCase(rule, planted, near_misses, function))
        return function

    return register


def plant_cases(world: World, actors: Actors, plants: Plants) -> None:
    """Run every registered plant function and record the keys it returns."""
    for case in CASES.values():
        if case.plant is None:
            continue
        for key in case.plant(world, actors):
            kind, _, name = key.partition(":")
            if not kind or not name:
                raise ValueError(f"{case.rule}: a planted key must look like 'kind:id'")
            plants.add(case.rule, key)


def login(
    user: User,
    when: str,
    success: bool,
    ip: str | None = None,
    agent: str | None = None,
    tag: str | None = None,
) -> None:
    t = at(when)
    cells = [
        iso(t),
        user.user_id,
        "true" if success else "false",
        ip or user.office_ip,
        agent or user.desktop_agent,
        "",
    ]
    user.add("logins", t, cells, tag)


describe(
    "RET-001",
    planted=(
        "organisation closed 2026-09-15, five users still held; organisation closed "
        "2026-07-31 whose users are all soft-deleted (soft-deleted rows are still held)"
    ),
    near_misses=(
        "closed exactly 28 days before the export (`closed_at` = 2026-10-31T02:00Z: due "
        "instant = as_of); closed 2026-11-20 (due 18 Dec, a schedule item); closed long "
        "ago and purged"
    ),
)
describe(
    "RET-002",
    planted="trial last contacted 2026-06-20; demo last contacted 2026-08-10",
    near_misses=(
        "demo contacted 2026-08-28T02:00Z (due exactly at export); trial contacted "
        "2026-08-29T01:00Z (91 days: more than 90 days but not 3 calendar months); "
        "trial contacted 31 Aug (due 30 Nov, month end); demo contacted in May with no "
        "users left"
    ),
)
describe(
    "ACC-001",
    planted=(
        "successful login five days after the organisation closed; successful login "
        "three days after a recent closure"
    ),
    near_misses="login exactly at `closed_at`; failed logins after closure",
)


def plant_organisations(world: World, plants: Plants) -> None:
    """RET-001/RET-002 on planted organisations, and ACC-001 logins after a closure."""
    by_scenario = {o.scenario: o for o in world.orgs}
    members: dict[str, list[User]] = {}
    for user in world.users:
        if user.held:
            members.setdefault(user.org.scenario, []).append(user)
    for scenario, rule in (
        ("closed_stale", "RET-001"),
        ("closed_soft_deleted", "RET-001"),
        ("trial_stale", "RET-002"),
        ("demo_stale", "RET-002"),
    ):
        plants.add(rule, f"org:{by_scenario[scenario].org_id}")
    for user in members["closed_soft_deleted"]:
        user.deleted_at = at("2026-08-10T09:00:00Z")
    stale = [u for u in members["closed_stale"] if u.role == "user"] or members["closed_stale"]
    login(stale[0], "2026-09-20T08:47:13Z", True, tag="ACC-001")
    login(stale[0], "2026-09-22T10:05:00Z", False)  # failed: not a finding
    recent = members["closed_recent"]
    login(recent[0], "2026-11-23T09:41:07Z", True, tag="ACC-001")
    login(recent[1], "2026-11-20T12:00:00Z", True)  # exactly at closed_at: not after it
    login(recent[1], "2026-11-24T14:10:00Z", False)  # failed: not a finding


describe(
    "ACC-002",
    planted="successful login a week after the account was soft-deleted",
    near_misses="login exactly at `deleted_at`; a failed login after deletion",
)
describe(
    "ACC-003",
    planted="10 failures in 13.5 minutes; 10 failures first to last exactly 15 minutes",
    near_misses="10 failures spanning 909 seconds; 9 failures in 4 minutes",
)
describe(
    "ACC-004",
    planted=(
        "24 failures from 203.0.113.66 in 11 minutes (18 unknown accounts, 6 real ones, "
        "one each); 20 failures from 203.0.113.68 spanning exactly 15 minutes"
    ),
    near_misses=(
        "19 failures from 203.0.113.67; 24 failures from one IPv6 address written two "
        "ways (`2001:db8:4c::17`, `2001:DB8:4C:0:0:0:0:17`), twelve each: the rule "
        "counts addresses as written"
    ),
)
describe(
    "ACC-005",
    planted=(
        "a plain user opening their own organisation's user list; a group admin opening "
        "another organisation's; the erased account's view"
    ),
    near_misses="group admins viewing their own organisation",
)


def plant_access(world: World, actors: Actors, plants: Plants) -> None:
    """ACC-002..ACC-005: logins after deletion, failed-login bursts, foreign admin views."""
    gone = actors.take()
    gone.deleted_at = at("2026-10-05T10:00:00Z")
    login(gone, "2026-10-12T08:55:31Z", True, ip=gone.home_ip, tag="ACC-002")
    login(gone, "2026-10-20T09:02:00Z", False, ip=gone.home_ip)
    edge = actors.take()
    edge.deleted_at = at("2026-09-01T12:00:00Z")
    login(edge, "2026-09-01T12:00:00Z", True)  # exactly at deleted_at: not after it

    # (start, seconds between failures, failures, ip, finding?)
    bursts = (
        ("2026-11-03T03:12:00Z", 90, 10, "203.0.113.45", True),
        ("2026-11-08T02:40:00Z", 100, 10, "203.0.113.46", True),  # exactly 15 minutes
        ("2026-11-10T03:05:00Z", 101, 10, "203.0.113.47", False),  # 909 seconds
        ("2026-11-12T02:15:00Z", 30, 9, "203.0.113.48", False),  # nine failures
    )
    for start, step, count, ip, finding in bursts:
        victim = actors.take()
        victim.no_failures = True
        t0 = at(start)
        for i in range(count):
            cells = [iso(t0 + i * step), victim.user_id, "false", ip, BOT_AGENT, ""]
            victim.add("logins", t0 + i * step, cells)
        if finding:
            plants.add("ACC-003", f"user:{victim.user_id}")
    _ip_bursts(world, actors, plants)

    plain = actors.take(role="user")
    plain.add(
        "admin_views",
        at("2026-10-21T10:12:00Z"),
        [iso(at("2026-10-21T10:12:00Z")), plain.user_id, plain.org.org_id],
        "ACC-005",
    )
    admin = actors.take(role="group_admin")
    other = next(o for o in world.orgs if o.status == "active" and o is not admin.org)
    admin.add(
        "admin_views",
        at("2026-11-02T15:30:00Z"),
        [iso(at("2026-11-02T15:30:00Z")), admin.user_id, other.org_id],
        "ACC-005",
    )


def _ip_bursts(world: World, actors: Actors, plants: Plants) -> None:
    """ACC-004: credential stuffing from one address, and three near misses."""
    t0 = at("2026-11-14T01:20:00Z")
    victims = [actors.take() for _ in range(6)]
    for i in range(24):
        t = t0 + i * 27
        owner = victims[i // 4] if i % 4 == 0 else None
        cells = [iso(t), owner.user_id if owner else "", "false", "203.0.113.66", BOT_AGENT, ""]
        world.unattached_logins.append((t, cells, None))
    plants.add("ACC-004", "ip:203.0.113.66")
    t1 = at("2026-11-16T00:40:00Z")
    for i in range(20):  # twenty failures, first to last exactly 15 minutes
        t = t1 + round(i * 900 / 19)
        world.unattached_logins.append(
            (t, [iso(t), "", "false", "203.0.113.68", BOT_AGENT, ""], None)
        )
    plants.add("ACC-004", "ip:203.0.113.68")
    t2 = at("2026-11-18T01:10:00Z")
    for i in range(19):  # nineteen failures: one short
        t = t2 + i * 30
        world.unattached_logins.append(
            (t, [iso(t), "", "false", "203.0.113.67", BOT_AGENT, ""], None)
        )
    t3 = at("2026-11-19T02:00:00Z")
    for i in range(24):  # one IPv6 address written two ways: twelve each, "as written"
        t = t3 + i * 20
        ip = "2001:db8:4c::17" if i % 2 else "2001:DB8:4C:0:0:0:0:17"
        world.unattached_logins.append((t, [iso(t), "", "false", ip, "curl/8.5.0", ""], None))


def message(user: User, when: str, category: str, tag: str | None = None) -> None:
    t = at(when)
    user.add("communications", t, [user.user_id, iso(t), category], tag)


describe(
    "COM-001",
    planted=(
        "promotion after an unsubscribe-link opt-out; product update after a settings "
        "opt-out; promotion sent at the very second of the opt-out (`changed_at` ≤ "
        "`sent_at`)"
    ),
    near_misses=(
        "promotion one second before the opt-out; promotion after opting back in; "
        "product update and technical mail to a user who opted out of promotions only"
    ),
)


def plant_communications(actors: Actors) -> None:
    """COM-001: marketing after an opt-out; near misses around the opt-out instant."""
    g = actors.take()
    g.preferences = [(at("2026-07-14T18:22:05Z"), "promotional", True, "unsubscribe_link")]
    message(g, "2026-09-03T10:15:00Z", "promotional", "COM-001")
    h = actors.take()
    h.preferences = [(at("2026-08-01T12:30:00Z"), "product_update", True, "settings")]
    message(h, "2026-10-13T09:05:00Z", "product_update", "COM-001")
    i = actors.take()
    i.preferences = [
        (at("2026-06-10T10:00:00Z"), "promotional", True, "support_request"),
        (at("2026-08-20T19:45:00Z"), "promotional", False, "settings"),
    ]
    message(i, "2026-09-03T10:20:00Z", "promotional")  # opted back in: fine
    j = actors.take()
    j.preferences = [(at("2026-10-07T09:30:00Z"), "promotional", True, "unsubscribe_link")]
    message(j, "2026-10-07T09:29:59Z", "promotional")  # one second before: fine
    message(j, "2026-10-07T09:30:00Z", "promotional", "COM-001")  # at the instant: finding
    k = actors.take()
    k.preferences = [(at("2026-05-20T14:00:00Z"), "promotional", True, "support_request")]
    message(k, "2026-09-08T10:00:00Z", "product_update")  # another category: fine
    message(k, "2026-09-09T08:00:00Z", "technical")  # cannot be opted out of: fine


describe(
    "RET-004",
    planted=(
        "four erased accounts with rows left behind: usage events + messages; logins; a "
        "preferences row; an admin view (also ACC-005)"
    ),
)


def plant_leftovers(world: World, plants: Plants) -> dict[str, User]:
    """RET-004: erased accounts whose rows were left behind in one table or another.

    Returns the erased users by role: `erased_with_request` also has a completed
    erasure request (RET-003), the others were removed by their organisation's admin.
    """
    erased = [u for u in world.users if not u.held]
    if len(erased) < 5:
        raise InputError("--users: too few users to plant every scenario; use more users")
    usage, logins, prefs, viewer = erased[:4]
    for user in (usage, logins, prefs, viewer):
        user.picked = True
        plants.add("RET-004", f"user:{user.user_id}")
    for n, when in enumerate(
        ("2026-06-02T09:14:00Z", "2026-06-02T09:18:30Z", "2026-06-16T14:03:00Z")
    ):
        t = at(when)
        kind = ("page_view", "report_run", "download")[n]
        usage.add("usage_events", t, [iso(t), usage.user_id, usage.org.product, kind])
    message(usage, "2026-06-08T16:00:00Z", "service_notice")
    message(usage, "2026-06-22T09:00:00Z", "technical")
    for when in ("2026-03-03T09:12:00Z", "2026-04-14T10:40:00Z", "2026-05-19T08:55:00Z"):
        login(logins, when, True, ip=logins.home_ip)
    prefs.preferences = [(at("2026-04-02T20:11:00Z"), "promotional", True, "unsubscribe_link")]
    t = at("2026-05-05T11:20:00Z")
    viewer.add("admin_views", t, [iso(t), viewer.user_id, viewer.org.org_id], "ACC-005")
    return {"erased_with_request": usage}


describe(
    "DQ-001",
    planted=(
        "a login with the impossible time `2026-09-31T09:14:00Z`; a usage event with "
        "product `Local Insight`; a message with no `sent_at`; a preferences row with "
        "channel `email`; a withdrawn request with `extended` = `yes`; the CRM "
        "processor's row exported twice (second copy)"
    ),
)


def plant_bad_rows(actors: Actors) -> None:
    """DQ-001: rows the loader quarantines, on users for whom nothing else depends on them."""
    a = actors.take()
    t = at("2026-09-30T09:14:00Z")
    a.add(
        "logins",
        t,
        ["2026-09-31T09:14:00Z", a.user_id, "true", a.office_ip, a.desktop_agent, ""],
        "DQ-001",
    )
    b = actors.take()
    t = at("2026-10-06T11:02:00Z")
    b.add("usage_events", t, [iso(t), b.user_id, "Local Insight", "page_view"], "DQ-001")
    c = actors.take()
    c.add("communications", at("2026-10-15T08:00:00Z"), [c.user_id, "", "technical"], "DQ-001")
    d = actors.take()
    d.preferences = []
    t = at("2026-08-11T17:45:00Z")
    d.add("preferences", t, [d.user_id, iso(t), "product_update", "false", "email"], "DQ-001")


# Cases made by the modules that write requests, processors and datasets.
describe(
    "RET-003",
    planted=(
        "completed erasure whose user still has a live account; completed erasure whose "
        "user was only soft-deleted; completed erasure whose users row is gone but "
        "usage events and messages remain (also RET-004)"
    ),
    near_misses=(
        "completed erasures of fully erased accounts; a completed erasure with no "
        "matched account; an open erasure"
    ),
)
describe(
    "SAR-001",
    planted=(
        "open access request received 15 Sep; open extended erasure received Sat 1 Aug "
        "(due Mon 2 Nov); open confirmation received 27 Oct (due Fri 27 Nov, one day "
        "late)"
    ),
    # The clarification cases: see sample/subject_requests.py.
    near_misses=(
        "received 28 Oct (due Sat 28 Nov moves to Mon 30 Nov); received 20 Sep with the "
        "clock started 30 Oct; extended, received 1 Sep (due 1 Dec); received 25 Nov "
        "(due 29 Dec after Christmas and Boxing Day observed); refused and withdrawn "
        "requests; an open request whose clock stopped 26 Oct to 11 Nov for a "
        "clarification (across the month end: due Mon 30 Nov, not overdue); an open "
        "request still waiting for its clarification at export (paused: no due date)"
    ),
)
describe(
    "SAR-002",
    planted=(
        "answered 10 Jun, due 5 Jun; extended, answered 15 Jun, due 10 Jun; answered "
        "2026-06-11T23:30Z = 12 Jun in London, due 11 Jun; a request whose clock "
        "stopped 5 to 12 Jun for a clarification, answered one day late even so"
    ),
    near_misses=(
        "the example of rule-semantics.md (received 31 Jan, answered Mon 2 Mar); due 31 Aug "
        "bank holiday, answered Tue 1 Sep; received 23:30Z on 30 Jun (= 1 Jul in "
        "London), answered Mon 3 Aug; clock started 15 Apr, answered 14 May; a refusal "
        "sent late (status `refused`, not `completed`); a clarification pause of 27 Aug "
        "to 3 Sep (across the month end) that keeps an answer in time; a clarification "
        "asked for and never received, the answer taken as the end of the wait"
    ),
)
describe(
    "DEID-001",
    planted=(
        "`login_extract_for_research.ip` (raw addresses); `case_notes_sample`: "
        "`contact_name` (held names, some lowercased and padded), `account` (user ids), "
        "`callback` (held telephones re-punctuated), `summary` (emails inside text)"
    ),
    near_misses="clean datasets: months, products, regions, bands, counts",
)
describe(
    "DEID-002",
    planted=(
        "`newsletter_engagement`: `subscriber` = SHA-256 of the email, `legacy_id` = "
        "SHA-1 of the email, `user_ref` = MD5 of the user id in upper-case hex"
    ),
)
describe(
    "DEID-003",
    planted=(
        "`login_extract_for_research` (no sidecar: every column is a quasi-identifier); "
        "`churn_reasons` (sidecar: product, region, size band; many groups of 1–3)"
    ),
    near_misses=(
        "`user_survey_2026`, `newsletter_engagement`, `case_notes_sample` (every group "
        "10+ rows); `feature_adoption` (no sidecar, inferred microdata, groups 10+)"
    ),
)
describe(
    "DEID-004",
    planted=(
        "`usage_by_region.n_users` (no sidecar: `n_users` and `total` inferred as "
        "counts) has cells of 1–9"
    ),
    near_misses=(
        "`usage_by_region.total` (all 0 or 10+); `org_monthly_activity` (sidecar, zero "
        "cells for a product not yet launched); `partner_share.organisations`"
    ),
)
describe(
    "SEC-001",
    planted="`users.password_hash`; `deidentified/partner_share.access_token`",
)
describe(
    "TPP-001",
    planted=(
        "support desk never assessed; payments assessed after the contract started; SMS "
        "never assessed (also TPP-002: its last review was in 2024)"
    ),
    near_misses="e-signature assessed on the day the contract started",
)
describe(
    "TPP-002",
    planted=(
        "backup last reviewed 2025-11-27 (12 months and a day before the London date of "
        "the export); SMS (above)"
    ),
    near_misses="analytics reviewed 2025-11-28 (exactly 12 months)",
)


# New rules: one `@plant` function each, below (see the module docstring).
