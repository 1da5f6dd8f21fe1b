"""Subject requests: background ones answered in time, planted late ones and near misses,
and clarifications that stop the clock."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import TypedDict

from insight_workbench.sample.planted import Actors
from insight_workbench.sample.timekeeping import (
    DAY,
    EXPORTED_AT,
    HOUR,
    LONDON,
    at,
    daytime,
    iso,
    london_date,
    sar_due,
)
from insight_workbench.sample.world import User, World
from insight_workbench.sample.writer import Plants

COLUMNS = (
    "request_id",
    "received_at",
    "requester_email",
    "user_id",
    "type",
    "status",
    "completed_at",
    "extended",
    "clock_started_at",
    "clarification_requested_at",
    "clarification_received_at",
)
TYPES = ("access", "confirmation", "erasure", "rectification")
TODAY = london_date(EXPORTED_AT)


class Request(TypedDict):
    """One request before it is numbered; times in epoch seconds, `rule` the planted finding."""

    received_at: int
    email: str
    user_id: str
    type: str
    status: str
    completed_at: int | None
    extended: str
    clock: int | None
    asked: int | None
    clarified: int | None
    rule: str | None


def _row(
    received: str,
    user: User | Actors | None,
    kind: str,
    status: str,
    completed: str | None = None,
    extended: bool = False,
    clock: str | None = None,
    email: str | None = None,
    rule: str | None = None,
    clarification: tuple[str, str | None] | None = None,
) -> Request:
    """One request; `user` may be the Actors pool: any user who existed when it arrived.
    `clarification`: when it was asked for, and when it arrived (None: not yet)."""
    if isinstance(user, Actors):
        user = user.any(at(received))
    return {
        "received_at": at(received),
        "email": email or (user.email if user else ""),
        "user_id": user.user_id if user else "",
        "type": kind,
        "status": status,
        "completed_at": at(completed) if completed else None,
        "extended": "true" if extended else "false",
        "clock": at(clock) if clock else None,
        "asked": at(clarification[0]) if clarification else None,
        "clarified": at(clarification[1]) if clarification and clarification[1] else None,
        "rule": rule,
    }


def planted_requests(actors: Actors, erased: User) -> list[Request]:
    """SAR-001/SAR-002 and RET-003 requests, with near misses on each boundary."""
    anyone = actors  # the request names any user who existed by then
    held_after_erasure = actors.take()
    soft_deleted = actors.take()
    soft_deleted.deleted_at = at("2026-09-02T16:00:00Z")
    stranger = "m.okafor@example.net"
    return [
        _row("2026-09-15T10:20:00Z", anyone, "access", "open", rule="SAR-001"),
        _row("2026-08-01T09:00:00Z", anyone, "erasure", "open", extended=True, rule="SAR-001"),
        _row("2026-10-27T15:00:00Z", anyone, "confirmation", "open", rule="SAR-001"),
        _row("2026-10-28T11:00:00Z", anyone, "access", "open"),  # due Sat 28 -> Mon 30 Nov
        _row("2026-09-20T10:00:00Z", anyone, "access", "open", clock="2026-10-30T14:00:00Z"),
        _row("2026-09-01T13:00:00Z", anyone, "rectification", "open", extended=True),
        _row("2026-11-25T10:00:00Z", anyone, "access", "open"),  # due after Christmas: 29 Dec
        _row(
            "2026-05-05T09:00:00Z",
            anyone,
            "access",
            "completed",
            "2026-06-10T12:00:00Z",
            rule="SAR-002",
        ),
        _row(
            "2026-03-10T10:00:00Z",
            anyone,
            "rectification",
            "completed",
            "2026-06-15T11:00:00Z",
            extended=True,
            rule="SAR-002",
        ),
        # answered 23:30 UTC on the due date: already the next day in London
        _row(
            "2026-05-11T10:00:00Z",
            anyone,
            "access",
            "completed",
            "2026-06-11T23:30:00Z",
            rule="SAR-002",
        ),
        _row(
            "2026-04-01T10:00:00Z",
            anyone,
            "access",
            "completed",
            "2026-05-14T16:00:00Z",
            clock="2026-04-15T09:00:00Z",
        ),
        # the example of rules.md: 31 Jan + 1 month = Sat 28 Feb -> Mon 2 Mar
        _row("2026-01-31T10:00:00Z", anyone, "access", "completed", "2026-03-02T15:00:00Z"),
        # 31 Aug 2026 is a bank holiday: due Tue 1 Sep
        _row("2026-07-31T10:00:00Z", anyone, "confirmation", "completed", "2026-09-01T16:00:00Z"),
        # received 00:30 London time on 1 July: due Sat 1 Aug -> Mon 3 Aug
        _row("2026-06-30T23:30:00Z", anyone, "access", "completed", "2026-08-03T10:00:00Z"),
        _row("2026-04-20T10:00:00Z", anyone, "access", "refused", "2026-06-30T10:00:00Z"),
        _row("2026-02-10T10:00:00Z", anyone, "erasure", "withdrawn"),
        _row(
            "2026-09-30T11:00:00Z",
            held_after_erasure,
            "erasure",
            "completed",
            "2026-10-14T15:00:00Z",
            rule="RET-003",
        ),
        _row(
            "2026-08-12T09:30:00Z",
            soft_deleted,
            "erasure",
            "completed",
            "2026-09-02T16:00:00Z",
            rule="RET-003",
        ),
        _row(
            "2026-07-01T10:00:00Z",
            erased,
            "erasure",
            "completed",
            "2026-07-20T12:00:00Z",
            rule="RET-003",
        ),
        _row(
            "2026-06-02T10:00:00Z",
            None,
            "erasure",
            "completed",
            "2026-06-20T10:00:00Z",
            email=stranger,
        ),
        _row("2026-11-10T10:00:00Z", anyone, "erasure", "open"),
        {
            **_row("2026-03-03T10:00:00Z", anyone, "access", "withdrawn"),
            "extended": "yes",
            "rule": "DQ-001",
        },
        *clarified_requests(anyone),
    ]


def clarified_requests(anyone: Actors) -> list[Request]:
    """Clarifications stop the clock (rules.md): pauses that move a due date, one across
    a month end, one still waiting at the export."""
    return [
        # due Thu 12 Nov without the pause; stopped 26 Oct -> 11 Nov (16 days, across the
        # month end): 28 Nov is a Saturday, due Mon 30 Nov, not yet late
        _row(
            "2026-10-12T10:00:00Z",
            anyone,
            "access",
            "open",
            clarification=("2026-10-26T14:00:00Z", "2026-11-11T09:30:00Z"),
        ),
        # still waiting for the clarification at the export: paused, no due date (1 Oct
        # without the pause)
        _row(
            "2026-09-01T11:00:00Z",
            anyone,
            "erasure",
            "open",
            clarification=("2026-09-08T10:00:00Z", None),
        ),
        # 1 Jul + 7 days stopped = Wed 8 Jul; answered 9 Jul, one day late even so
        _row(
            "2026-06-01T09:00:00Z",
            anyone,
            "rectification",
            "completed",
            "2026-07-09T10:00:00Z",
            clarification=("2026-06-05T15:00:00Z", "2026-06-12T08:00:00Z"),
            rule="SAR-002",
        ),
        # 20 Sep (a Sunday) + 7 days stopped 27 Aug -> 3 Sep = Sun 27 Sep: due Mon 28 Sep;
        # answered 25 Sep, in time (late without the pause: due Mon 21 Sep)
        _row(
            "2026-08-20T10:00:00Z",
            anyone,
            "access",
            "completed",
            "2026-09-25T12:00:00Z",
            clarification=("2026-08-27T10:00:00Z", "2026-09-03T16:00:00Z"),
        ),
        # never clarified, answered anyway 20 May: the clock stood still from 9 Mar to the
        # answer, so in time (due Thu 2 Apr without the pause)
        _row(
            "2026-03-02T10:00:00Z",
            anyone,
            "confirmation",
            "completed",
            "2026-05-20T11:00:00Z",
            clarification=("2026-03-09T10:00:00Z", None),
        ),
    ]


def background_requests(rng: random.Random, world: World, count: int) -> list[Request]:
    """Requests answered in time; completed erasures only for accounts fully erased."""
    rows: list[Request] = []
    erased = [u for u in world.users if not u.held and not u.picked]
    for user in erased:
        received = rng.randint(user.created_at + 30 * DAY, EXPORTED_AT - 40 * DAY)
        received = daytime(rng, received, user.created_at + 30 * DAY, EXPORTED_AT - 40 * DAY)
        rows.append(_answered(rng, received, user, "erasure", "completed"))
    live = [u for u in world.users if u.held and not u.picked]
    for _ in range(count):
        kind = rng.choices(TYPES, (45, 15, 15, 25))[0]
        received = daytime(rng, EXPORTED_AT - rng.randint(1, 420) * DAY, 0, EXPORTED_AT - HOUR)
        candidates = [
            u
            for u in rng.sample(live, min(len(live), 6))
            if u.created_at < received < u.active_until()
        ]
        person = candidates[0] if candidates and rng.random() < 0.85 else None
        if kind == "erasure":  # erasures of held accounts are still open, or were refused
            status = "open" if _due(received, None, False) >= TODAY else "refused"
        else:
            status = rng.choices(("completed", "refused", "withdrawn"), (88, 6, 6))[0]
        rows.append(_answered(rng, received, person, kind, status))
    return rows


def _due(received: int, clock: int | None, extended: bool) -> date:
    return sar_due(received, clock, extended)


def _answered(
    rng: random.Random, received: int, user: User | None, kind: str, status: str
) -> Request:
    clock = (
        received + rng.randint(2, 9) * DAY + rng.randint(0, 6 * HOUR)
        if rng.random() < 0.2
        else None
    )
    if clock is not None and clock >= EXPORTED_AT:
        clock = None
    extended = rng.random() < 0.1
    due = _due(received, clock, extended)
    start = london_date(clock or received)
    answer_day = start + timedelta(days=rng.randint(2, 24))
    if status != "withdrawn" and due >= TODAY and rng.random() < 0.6:
        status = "open"
    completed = None
    if status in ("completed", "refused"):
        answer_day = min(answer_day, due, TODAY - timedelta(days=1))
        moment = datetime.combine(answer_day, time(rng.randint(9, 16), rng.randrange(60)), LONDON)
        completed = max(int(moment.timestamp()), (clock or received) + HOUR)
        if completed >= EXPORTED_AT or london_date(completed) > due:
            status, completed = "open", None
    if status == "open" and due < TODAY:
        status = "withdrawn"
    email = user.email if user else f"enquiries{rng.randrange(1000):03d}@example.net"
    if user and rng.random() < 0.2:
        email = email.capitalize()
    return {
        "received_at": received,
        "email": email,
        "user_id": user.user_id if user else "",
        "type": kind,
        "status": status,
        "completed_at": completed,
        "extended": "true" if extended else "false",
        "clock": clock,
        "asked": None,
        "clarified": None,
        "rule": None,
    }


def request_rows(requests: list[Request], plants: Plants) -> tuple[list[list[str]], dict[int, str]]:
    """Rows in the order received, numbered R0001...; planted findings recorded by id."""
    ordered = sorted(requests, key=lambda r: (r["received_at"], r["email"], r["type"]))
    rows, tags = [], {}
    for n, r in enumerate(ordered):
        request_id = f"R{n + 1:04d}"
        if r["rule"] == "DQ-001":
            tags[n] = "DQ-001"
        elif r["rule"]:
            plants.add(r["rule"], f"request:{request_id}")
        rows.append(
            [
                request_id,
                iso(r["received_at"]),
                r["email"],
                r["user_id"],
                r["type"],
                r["status"],
                iso(r["completed_at"]) if r["completed_at"] else "",
                r["extended"],
                iso(r["clock"]) if r["clock"] else "",
                iso(r["asked"]) if r["asked"] else "",
                iso(r["clarified"]) if r["clarified"] else "",
            ]
        )
    return rows, tags
