"""The world of a series of monthly snapshots: organisations, users and requests whose
state changes over time, and their activity, made once and cut at each export.

A row is in the snapshot exported at E when it happened before E and its user's data
was not purged before E; an organisation shows the status, closure and last contact it
had at E; a request the status it had at E. Row ids follow time over the whole series,
so a row keeps its id from one month to the next.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

from insight_workbench.loading.schema import PRODUCTS
from insight_workbench.sample import people
from insight_workbench.sample.timekeeping import DAY, HOUR, MINUTE, add_months, iso, utc_date

# The last month of every series is exported at this moment; earlier months one
# calendar month apart before it, on the 1st of each month at 02:00 UTC.
LAST_EXPORT = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Months:
    """The export moments of a series, oldest first, as UTC seconds."""

    exports: tuple[int, ...]

    @classmethod
    def ending_at_last_export(cls, count: int) -> Months:
        first = add_months(LAST_EXPORT.date(), 1 - count)
        moments = [
            datetime.combine(add_months(first, i), LAST_EXPORT.timetz()) for i in range(count)
        ]
        return cls(tuple(int(m.timestamp()) for m in moments))

    def __len__(self) -> int:
        return len(self.exports)

    def at(self, month: int, days: int = 0, hour: int = 10) -> int:
        """`days` after the export of `month` (negative: from the end), at `hour`:00 UTC."""
        day = self.exports[month] // DAY + days
        return day * DAY + hour * HOUR

    def folder(self, month: int) -> str:
        return utc_date(self.exports[month]).strftime("%Y-%m")

    def held_until(self, purged_at: int) -> tuple[int, int | None]:
        """The last month holding rows purged at `purged_at` and the first holding none
        (None: the purge comes after the last month)."""
        clear = next((i for i, e in enumerate(self.exports) if e > purged_at), None)
        return (len(self) - 1 if clear is None else clear - 1), clear


@dataclass
class SeriesOrg:
    org_id: str
    name: str
    site: str
    domain: str
    product: str
    status: str  # before any closure: active, trial or demo
    created_at: int
    closed_at: int | None = None
    contacts: tuple[int, ...] = ()  # last_contact_at as it moves on (trial/demo)

    def row(self, export: int) -> list[str]:
        closed = self.closed_at is not None and self.closed_at < export
        contact = max((t for t in self.contacts if t < export), default=None)
        return [
            self.org_id,
            self.name,
            self.product,
            "closed" if closed else self.status,
            iso(self.created_at),
            iso(self.created_at + 14 * DAY)[:10] if self.status == "active" else "",
            iso(self.closed_at) if closed and self.closed_at else "",
            iso(contact) if contact is not None else "",
        ]


@dataclass
class SeriesUser:
    org: SeriesOrg
    first: str
    last: str
    telephone: str | None
    role: str
    created_at: int
    purged_at: int | None = None  # every row of the user deleted at this moment
    user_id: str = ""
    email: str = ""
    number: int = 0  # for the user's own addresses

    def row(self) -> list[str]:
        cells = [self.user_id, self.org.org_id, f"{self.first} {self.last}", self.email]
        return [*cells, self.telephone or "", self.role, iso(self.created_at), ""]

    def held(self, export: int) -> bool:
        return self.created_at < export and (self.purged_at is None or self.purged_at > export)

    def active_until(self, end: int) -> int:
        for limit in (self.org.closed_at, self.purged_at):
            if limit is not None:
                end = min(end, limit)
        return end


@dataclass
class SeriesRequest:
    request_id: str
    user: SeriesUser
    type: str
    received_at: int
    completed_at: int | None = None

    def row(self, export: int) -> list[str]:
        done = self.completed_at is not None and self.completed_at < export
        return [
            self.request_id,
            iso(self.received_at),
            self.user.email,
            self.user.user_id,
            self.type,
            "completed" if done else "open",
            iso(self.completed_at) if done and self.completed_at else "",
            "false",
        ]


@dataclass
class SeriesWorld:
    months: Months
    rng: random.Random
    orgs: list[SeriesOrg] = field(default_factory=list)
    users: list[SeriesUser] = field(default_factory=list)
    requests: list[SeriesRequest] = field(default_factory=list)
    _names: set[str] = field(default_factory=set)

    def add_org(
        self, status: str, created_at: int, contacts: tuple[int, ...] = (), users: int = 2
    ) -> SeriesOrg:
        product = PRODUCTS[len(self.orgs) % len(PRODUCTS)]
        name = f"{self.rng.choice(people.PLACES)} {self.rng.choice(people.ORG_KINDS[product])}"
        while name in self._names:
            name = f"{self.rng.choice(people.PLACES)} {self.rng.choice(people.ORG_KINDS[product])}"
        self._names.add(name)
        slug = name.lower().replace(" ", "-")
        org = SeriesOrg(
            f"O{len(self.orgs) + 1:03d}",
            name,
            f"https://www.{slug}.example.org/",
            f"{slug}.example.org",
            product,
            status,
            created_at,
            contacts=contacts,
        )
        self.orgs.append(org)
        for k in range(users):
            self.add_user(org, created_at + HOUR + k * 3 * DAY, "group_admin" if k == 0 else "user")
        return org

    def add_user(self, org: SeriesOrg, created_at: int, role: str = "user") -> SeriesUser:
        first, last = people.person_name(self.rng)
        user = SeriesUser(org, first, last, people.telephone(self.rng), role, created_at)
        self.users.append(user)
        return user

    def members(self, org: SeriesOrg) -> list[SeriesUser]:
        return [u for u in self.users if u.org is org]

    def purge(self, org: SeriesOrg, when: int) -> None:
        for user in self.members(org):
            user.purged_at = when

    def add_request(
        self, user: SeriesUser, kind: str, received_at: int, completed_at: int | None = None
    ) -> SeriesRequest:
        request = SeriesRequest(f"R{len(self.requests) + 1:04d}", user, kind, received_at)
        request.completed_at = completed_at
        self.requests.append(request)
        return request

    def number_users(self) -> None:
        """User ids in creation order; unique emails at the organisation's domain."""
        self.users.sort(key=lambda u: u.created_at)
        taken: set[str] = set()
        for number, user in enumerate(self.users, start=1):
            user.user_id, user.number = f"U{number:05d}", number
            local = f"{user.first}.{user.last}".lower()
            email, n = f"{local}@{user.org.domain}", 1
            while email in taken:
                n += 1
                email = f"{local}{n}@{user.org.domain}"
            taken.add(email)
            user.email = email


# A row of activity: (time, table, its user, cells without the row id).
Activity = tuple[int, str, SeriesUser, list[str]]
EVENTS = ("page_view", "report_run", "map_view", "download")


def activity(world: SeriesWorld, seed: int) -> list[Activity]:
    """A few sessions a month for every user while the account can be used, a monthly
    product update, and a quarterly look at the user list by group admins. Nothing
    here breaks a rule: no login after a closure, no message after an opt-out."""
    rng = random.Random(f"{seed}/series/activity")
    end = world.months.exports[-1]
    rows: list[Activity] = []
    for user in world.users:
        until = user.active_until(end)
        opted_out_at = None
        if user.number % 5 == 3 and user.created_at + 41 * DAY < until:
            opted_out_at = user.created_at + 40 * DAY + 5 * HOUR  # product updates off
            rows.append((opted_out_at, "preferences", user, _preference(user, opted_out_at)))
        start = user.created_at + HOUR
        month = 0
        while start + month * 30 * DAY < until:
            window = start + month * 30 * DAY
            for _ in range(rng.randint(1, 3)):
                t = window + rng.randint(0, 27) * DAY + rng.randint(0, 8 * HOUR)
                if t >= until:
                    continue
                rows.append((t, "logins", user, _login(rng, user, t)))
                for k in range(rng.randint(1, 3)):
                    moment = t + (k + 1) * rng.randint(1, 9) * MINUTE
                    if moment < until:
                        cells = [iso(moment), user.user_id, user.org.product, rng.choice(EVENTS)]
                        rows.append((moment, "usage_events", user, cells))
                if user.role == "group_admin" and month % 3 == 0 and t + 30 < until:
                    cells = [iso(t + 30), user.user_id, user.org.org_id]
                    rows.append((t + 30, "admin_views", user, cells))
            sent = window + 14 * DAY
            if sent < until and (opted_out_at is None or sent < opted_out_at):
                cells = [user.user_id, iso(sent), "product_update"]
                rows.append((sent, "communications", user, cells))
            month += 1
    return sorted(rows, key=lambda row: (row[0], row[1], row[2].user_id))


def _login(rng: random.Random, user: SeriesUser, t: int) -> list[str]:
    return [
        iso(t),
        user.user_id,
        "true",
        people.office_ip(user.number // 8),
        people.desktop_agent(rng),
        people.referrer(rng, user.org.site),
    ]


def _preference(user: SeriesUser, t: int) -> list[str]:
    return [user.user_id, iso(t), "product_update", "true", "settings"]
