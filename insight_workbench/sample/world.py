"""The sample's organisations and users, held in memory (activity is streamed later)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from insight_workbench.sample.timekeeping import EXPORTED_AT

# A planted or background row waiting to be written: (sort time, cells without the id, tag).
# The tag names the rule a planted row must trigger ("ACC-001", "DQ-001", ...), else None.
Pending = tuple[int, list[str], str | None]


@dataclass(slots=True)
class Org:
    index: int
    org_id: str
    name: str
    site: str  # the organisation's own website, seen as a referrer
    domain: str
    product: str
    status: str
    created_at: int
    subscription_start: str | None = None
    closed_at: int | None = None
    last_contact_at: int | None = None
    activity_end: int | None = None  # a potential customer that went quiet
    n_users: int = 0
    scenario: str = "background"


@dataclass(slots=True)
class User:
    index: int
    org: Org
    first: str
    last: str
    email: str
    telephone: str | None
    role: str
    created_at: int
    deleted_at: int | None = None
    held: bool = True  # False: erased (no users row); planted rows may still be left behind
    intensity: float = 0.1
    office_ip: str = ""
    home_ip: str = ""
    mobile_ip: str = ""
    desktop_agent: str = ""
    mobile_agent: str = ""
    user_id: str = ""
    background: bool = True  # False: no generated activity (planted rows only)
    no_failures: bool = False  # no background failed logins (keeps planted bursts exact)
    no_marketing: bool = False  # no background product updates or promotions
    admin_views: bool = True  # group admins look at their user list now and then
    # opt-out history: (changed_at, category, opted_out, channel)
    preferences: list[tuple[int, str, bool, str]] = field(default_factory=list)
    extra: dict[str, list[Pending]] = field(default_factory=dict)
    picked: bool = False  # already used by a planted scenario

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    def active_until(self) -> int:
        """The end (exclusive) of the time the account can be used."""
        end = EXPORTED_AT
        for limit in (self.deleted_at, self.org.closed_at, self.org.activity_end):
            if limit is not None:
                end = min(end, limit)
        return end

    def add(self, table: str, t: int, cells: list[str], tag: str | None = None) -> None:
        self.extra.setdefault(table, []).append((t, cells, tag))

    def opted_out(self, category: str, t: int) -> bool:
        """The user's latest choice for `category` made at or before `t` (rules.md COM-001)."""
        state = False
        latest = None
        for changed_at, cat, out, _channel in self.preferences:
            if cat == category and changed_at <= t and (latest is None or changed_at >= latest):
                latest, state = changed_at, out
        return state


@dataclass
class World:
    seed: int
    window_start: int
    orgs: list[Org]
    users: list[User]  # every account ever made, in user_id order (erased ones included)
    unattached_logins: list[Pending] = field(default_factory=list)  # user_id NULL or orphan

    def add_org(
        self,
        status: str,
        created_at: int,
        *,
        closed_at: int | None = None,
        last_contact_at: int | None = None,
        product: str = "local_insight",
        members: Sequence[User] = (),
    ) -> Org:
        """A new organisation, numbered after the others, for a rule about organisations
        (times are epoch seconds, as `timekeeping.at` gives them). `members` (users from
        `actors.take()`) move into it, with the activity the sample gives them."""
        number = len(self.orgs) + 1
        slug = f"planted-organisation-{number}"
        org = Org(
            len(self.orgs),
            f"O{number:04d}",
            f"Planted Organisation {number}",
            f"https://www.{slug}.example.org/",
            f"{slug}.example.org",
            product,
            status,
            created_at,
            closed_at=closed_at,
            last_contact_at=last_contact_at,
            scenario="planted",
        )
        self.orgs.append(org)
        for user in members:
            user.org = org
            org.n_users += 1
        return org
