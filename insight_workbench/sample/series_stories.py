"""The planted stories of a monthly series: keys whose life over the months is known.

Each story is one function registered with `@story`. It plants organisations, users
and requests with dates counted from the series' exports (`months.at(i, days)`: `days`
after the export of month i, 0-based; a negative i counts from the last month) and
says, as plain facts, which months' `check` reports each key it plants (`seen`), which
deletions follow (the users whose rows go, and the due instant), and which decisions
a reviewer takes. lifecycle.json is written from these facts, never from the rules;
a test runs `check` on every month to show the two agree.

A story runs only in a series of at least `needs` months. Runs are numbered as the
months are (run i = `check` of month i), so "seen in 2..5" means the 3rd to 6th
folders. Stories run in registration order, after the background organisations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from insight_workbench.sample.series_world import SeriesOrg, SeriesUser, SeriesWorld
from insight_workbench.sample.timekeeping import DAY, add_months, add_months_t, utc_date

DPO = "dpo@example.org"
CLOSED_DAYS = 28  # the default policy's retention of a closed account
POTENTIAL_MONTHS = 3  # and of a potential customer after the last contact


@dataclass(frozen=True)
class Expected:
    """A finding key and the months (0-based) whose `check` reports it."""

    rule: str
    key: str
    seen: tuple[int, ...]


@dataclass(frozen=True)
class Deletion:
    """Data of `users` followed until it is gone: due at `due` (UTC seconds)."""

    rule: str
    key: str
    due: int
    users: tuple[SeriesUser, ...]


@dataclass(frozen=True)
class Decision:
    """A reviewer's exception to a finding, taken between two runs."""

    at: int
    rule: str
    key: str
    basis: str
    approver: str
    until: date
    action: str = "except"
    by: str = DPO


@dataclass
class Plan:
    findings: list[Expected] = field(default_factory=list)
    deletions: list[Deletion] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)


StoryFunction = Callable[[SeriesWorld], Plan]


@dataclass(frozen=True)
class Story:
    name: str
    needs: int  # the fewest months the story fits in
    told: str  # what happens, in words, for docs/sample.md
    plant: StoryFunction


STORIES: dict[str, Story] = {}


def story(name: str, needs: int, told: str) -> Callable[[StoryFunction], StoryFunction]:
    def register(function: StoryFunction) -> StoryFunction:
        if name in STORIES:
            raise ValueError(f"series story {name} registered twice")
        STORIES[name] = Story(name, needs, told, function)
        return function

    return register


def plant_stories(world: SeriesWorld) -> Plan:
    """Run every story that fits in the series; their plans joined."""
    plan = Plan()
    for case in STORIES.values():
        if len(world.months) < case.needs:
            continue
        part = case.plant(world)
        plan.findings += part.findings
        plan.deletions += part.deletions
        plan.decisions += part.decisions
    return plan


def _closed_org(world: SeriesWorld, created: int, closed: int) -> tuple[SeriesOrg, str, int]:
    """An active organisation closed at `closed`: it, its key and its RET-001 due instant."""
    org = world.add_org("active", created)
    org.closed_at = closed
    return org, f"org:{org.org_id}", closed + CLOSED_DAYS * DAY


@story(
    "closed, deleted late",
    needs=7,
    told="closed 9 days after the 1st export; RET-001 from the 3rd to the 6th month "
    "(due 28 days after closure); its users' rows deleted after the 6th export: late",
)
def _closed_deleted_late(world: SeriesWorld) -> Plan:
    m = world.months
    org, key, due = _closed_org(world, m.at(0, -400), m.at(0, 9, 12))
    world.purge(org, m.at(5, 12, 9))
    return Plan(
        [Expected("RET-001", key, tuple(range(2, 6)))],
        [Deletion("RET-001", key, due, tuple(world.members(org)))],
    )


@story(
    "closed, deleted on time",
    needs=5,
    told="active at the 4th export, closed 7 days later and its users' rows deleted "
    "5 days after that: the 5th month holds none, before the due instant; never a finding",
)
def _closed_deleted_on_time(world: SeriesWorld) -> Plan:
    m = world.months
    org, key, due = _closed_org(world, m.at(0, -300), m.at(3, 7, 16))
    world.purge(org, m.at(3, 12, 9))
    return Plan([], [Deletion("RET-001", key, due, tuple(world.members(org)))])


def _potential(
    world: SeriesWorld, status: str, created: int, contact: int
) -> tuple[SeriesOrg, str, int]:
    """A trial or demo organisation contacted when created and at `contact`: it, its
    key and its RET-002 due instant after that last contact."""
    org = world.add_org(status, created, contacts=(created, contact))
    return org, f"org:{org.org_id}", add_months_t(contact, POTENTIAL_MONTHS)


@story(
    "trial, deleted late",
    needs=8,
    told="trial opened after the 1st export, last contacted 4 days after the 2nd; "
    "RET-002 in the 6th and 7th months; its users' rows deleted after the 7th export",
)
def _trial_deleted_late(world: SeriesWorld) -> Plan:
    m = world.months
    org, key, due = _potential(world, "trial", m.at(0, 5), m.at(1, 4, 11))
    world.purge(org, m.at(6, 10, 9))
    return Plan(
        [Expected("RET-002", key, (5, 6))],
        [Deletion("RET-002", key, due, tuple(world.members(org)))],
    )


@story(
    "demo, deleted on time",
    needs=9,
    told="demo opened after the 5th export, last contacted 19 days after the 6th; "
    "held from the 6th to the 8th month (not yet due); its users' rows deleted before "
    "the 9th export, which is before the due instant; never a finding",
)
def _demo_deleted_on_time(world: SeriesWorld) -> Plan:
    m = world.months
    org, key, due = _potential(world, "demo", m.at(4, 9), m.at(5, 19, 14))
    world.purge(org, m.at(7, 9, 9))
    return Plan([], [Deletion("RET-002", key, due, tuple(world.members(org)))])


@story(
    "erasure done late",
    needs=6,
    told="erasure request received 9 days after the 2nd export and marked completed "
    "4 days after the 3rd while the account is still held: RET-003 in the 4th and 5th "
    "months; the account's rows deleted after the 5th export",
)
def _erasure_done_late(world: SeriesWorld) -> Plan:
    m = world.months
    user = world.add_user(world.orgs[0], m.at(0, -150))
    request = world.add_request(user, "erasure", m.at(1, 9, 9), m.at(2, 4, 15))
    user.purged_at = m.at(4, 9, 9)
    key = f"request:{request.request_id}"
    assert request.completed_at is not None
    return Plan(
        [Expected("RET-003", key, (3, 4))],
        [Deletion("RET-003", key, request.completed_at, (user,))],
    )


@story(
    "trial, resolved and reopened",
    needs=10,
    told="trial opened after the 1st export and left: RET-002 in the 5th and 6th "
    "months; contacted again 14 days after the 6th export: resolved in the 7th; "
    "3 months later stale again: reopened from the 10th month to the end",
)
def _trial_reopened(world: SeriesWorld) -> Plan:
    m = world.months
    _org, key, _due = _potential(world, "trial", m.at(0, 3), m.at(5, 14, 11))
    seen = (4, 5, *range(9, len(m)))
    return Plan([Expected("RET-002", key, seen)])


@story(
    "access request answered late",
    needs=7,
    told="access request received 9 days after the 3rd export, open past its due "
    "date: SAR-001 in the 5th and 6th months; answered 11 days after the 6th "
    "export: SAR-001 resolved, SAR-002 (answered late) from the 7th month on",
)
def _access_answered_late(world: SeriesWorld) -> Plan:
    m = world.months
    user = world.add_user(world.orgs[1], m.at(0, -200))
    request = world.add_request(user, "access", m.at(2, 9, 9), m.at(5, 11, 15))
    key = f"request:{request.request_id}"
    return Plan(
        [Expected("SAR-001", key, (4, 5)), Expected("SAR-002", key, tuple(range(6, len(m))))]
    )


def _litigation_hold(until: date) -> str:
    return f"litigation hold: the organisation's records are evidence in a claim (until {until})"


@story(
    "exception that expires",
    needs=5,
    told="closed 20 days after the 1st export, data kept: RET-001 from the 3rd month "
    "to the end; excepted the day after the 3rd export (litigation hold) until 14 "
    "days after the export of month max(4, months // 2 + 1): open again at the end",
)
def _exception_expires(world: SeriesWorld) -> Plan:
    m = world.months
    _org, key, _due = _closed_org(world, m.at(0, -500), m.at(0, 20, 17))
    middle = max(3, len(m) // 2)
    until = utc_date(m.at(middle, 14))
    hold = Decision(m.at(2, 1, 9), "RET-001", key, _litigation_hold(until), "Head of Legal", until)
    return Plan([Expected("RET-001", key, tuple(range(2, len(m))))], decisions=[hold])


@story(
    "exception in force",
    needs=5,
    told="closed 3 days after the 2nd export, data kept: RET-001 from the 4th month to "
    "the end; excepted 2 days after the 4th export until 6 months after the last: "
    "excepted at the end",
)
def _exception_in_force(world: SeriesWorld) -> Plan:
    m = world.months
    _org, key, _due = _closed_org(world, m.at(0, -700), m.at(1, 3, 15))
    until = add_months(utc_date(m.exports[-1]), 6)
    hold = Decision(
        m.at(3, 2, 9), "RET-001", key, _litigation_hold(until), "General Counsel", until
    )
    return Plan([Expected("RET-001", key, tuple(range(3, len(m))))], decisions=[hold])


@story(
    "still open at the end",
    needs=5,
    told="closed 5 days after the export 4 months before the last, data kept: RET-001 "
    "in the last 3 months",
)
def _open_at_end(world: SeriesWorld) -> Plan:
    m = world.months
    _org, key, _due = _closed_org(world, m.at(-5, -600), m.at(-5, 5, 12))
    return Plan([Expected("RET-001", key, tuple(range(len(m) - 3, len(m))))])


@story(
    "new in the last month",
    needs=3,
    told="access request received 14 days after the export 2 months before the last, "
    "still open: SAR-001 in the last month only",
)
def _new_at_end(world: SeriesWorld) -> Plan:
    m = world.months
    user = world.add_user(world.orgs[2], m.at(0, -100))
    request = world.add_request(user, "access", m.at(-3, 14, 10))
    return Plan([Expected("SAR-001", f"request:{request.request_id}", (len(m) - 1,))])
