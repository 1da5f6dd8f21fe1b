"""Months of background activity, one user at a time: logins with a daily and weekly
rhythm, usage events inside sessions, messages, opt-outs and admin views.

Background rows never break a rule: failed logins are rare (at most two before the
first login of a day, at most eight colleagues to an office address), every login
falls inside the account's life, and no marketing message reaches a user who has
opted out. Only planted rows (see `planted.py`) make findings.
"""

from __future__ import annotations

import bisect
import random
from typing import TypeVar

from insight_workbench.sample.people import BROWSERS_DESKTOP, BROWSERS_MOBILE, referrer
from insight_workbench.sample.timekeeping import (
    DAY,
    EXPORTED_AT,
    HOUR,
    MINUTE,
    iso,
    london_offset,
    utc_date,
)
from insight_workbench.sample.world import Pending, User

HOURS = (7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21)
HOUR_WEIGHTS = (2, 8, 14, 14, 12, 7, 10, 12, 10, 7, 4, 2, 2, 2, 1)
EVENT_TYPES = {
    "local_insight": (
        ("page_view", "report_run", "map_view", "indicator_search", "download"),
        (50, 15, 18, 10, 7),
    ),
    "community_insight": (
        ("page_view", "area_profile", "map_view", "report_run", "download"),
        (48, 17, 17, 11, 7),
    ),
    "value_insight": (
        ("page_view", "value_calculation", "dashboard_view", "report_run", "download"),
        (45, 20, 17, 11, 7),
    ),
}
MARKETING = ("product_update", "promotional")
T = TypeVar("T")


def _cumulative(weights: tuple[int, ...]) -> list[float]:
    total, run, out = sum(weights), 0, []
    for w in weights:
        run += w
        out.append(run / total)
    return out


HOUR_CUM = _cumulative(HOUR_WEIGHTS)
EVENT_CUM = {p: (types, _cumulative(w)) for p, (types, w) in EVENT_TYPES.items()}


def _pick(rng: random.Random, items: tuple[T, ...], cum: list[float]) -> T:
    return items[min(bisect.bisect(cum, rng.random()), len(items) - 1)]


class Sessions:
    """Background logins, usage events, password-reset mails and admin views of one user."""

    def __init__(self, rng: random.Random, window_start: int, working: dict[int, bool]):
        self.rng, self.window_start, self.working = rng, window_start, working

    def run(self, user: User) -> dict[str, list[Pending]]:
        out: dict[str, list[Pending]] = {
            "logins": [],
            "usage_events": [],
            "communications": [],
            "admin_views": [],
        }
        start = max(user.created_at, self.window_start)
        end = min(user.active_until(), EXPORTED_AT) - HOUR
        if not user.background or end <= start:
            return out
        rnd, working = self.rng.random, self.working
        weekday_p, weekend_p = user.intensity, user.intensity * 0.12
        for day in range(start // DAY, end // DAY + 1):
            if rnd() >= (weekday_p if working[day] else weekend_p):
                continue
            for k in range(2 if rnd() < 0.15 else 1):
                local = _pick(self.rng, HOURS, HOUR_CUM) * HOUR + int(rnd() * HOUR)
                t = day * DAY + local - london_offset(day)
                if start <= t < end:
                    self._session(
                        user, t, first=k == 0, office=working[day] and local < 18 * HOUR, out=out
                    )
        return out

    def _session(
        self, user: User, t: int, first: bool, office: bool, out: dict[str, list[Pending]]
    ) -> None:
        rng = self.rng
        rnd = rng.random
        if office and rnd() < 0.85:
            ip, agent = user.office_ip, user.desktop_agent
        elif rnd() < 0.5:
            ip, agent = user.mobile_ip, user.mobile_agent
        else:
            ip, agent = user.home_ip, user.desktop_agent
        referrer = _referrer(rng, user)
        uid = user.user_id
        if first and not user.no_failures and rnd() < 0.04:
            fails = 2 if rnd() < 0.2 else 1
            for j in range(fails, 0, -1):
                when = t - j * (20 + int(rnd() * 60))
                out["logins"].append((when, [iso(when), uid, "false", ip, agent, referrer], None))
            if rnd() < 0.3:
                out["communications"].append((t - 10, [uid, iso(t - 10), "technical"], None))
        out["logins"].append((t, [iso(t), uid, "true", ip, agent, referrer], None))
        types, cum = EVENT_CUM[user.org.product]
        product = user.org.product
        when = t
        limit = min(user.active_until(), EXPORTED_AT) - 1
        usage = out["usage_events"]
        for _ in range(1 + min(int(rng.expovariate(0.45)), 20)):
            when += 15 + int(rnd() * 400)
            if when >= limit:
                break
            usage.append((when, [iso(when), uid, product, _pick(rng, types, cum)], None))
        if user.role == "group_admin" and user.admin_views and rnd() < 0.1:
            seen = t + 30 + int(rnd() * 570)
            if seen < limit:
                out["admin_views"].append((seen, [iso(seen), uid, user.org.org_id], None))


def _referrer(rng: random.Random, user: User) -> str:
    return referrer(rng, user.org.site)


def campaigns(window_start: int) -> list[tuple[int, str, str]]:
    """Mailings in the window: (time, category, audience), London office hours."""
    out: list[tuple[int, str, str]] = []
    first_day = window_start // DAY + 1
    for day in range(first_day, EXPORTED_AT // DAY):
        weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        month_day = _month_day(day)
        base = day * DAY - london_offset(day)
        if weekday == 1 and 8 <= month_day <= 14:
            out.append((base + 10 * HOUR, "product_update", "all"))
        if weekday == 3 and month_day <= 7 and _month(day) % 2 == 0:
            out.append((base + 11 * HOUR, "promotional", "segment"))
        if weekday == 2 and 15 <= month_day <= 21 and _month(day) % 2 == 1:
            out.append((base + 16 * HOUR, "service_notice", "all"))
        if weekday == 0 and month_day <= 7 and _month(day) % 3 == 0:
            out.append((base + 9 * HOUR, "technical", "all"))
        if weekday == 4 and month_day <= 7:
            out.append((base + 14 * HOUR, "administrative", "admins"))
        if month_day == 1 and _month(day) % 3 == 1:
            out.append((base + 7 * HOUR, "billing", "billing"))
    return out


def _month_day(day: int) -> int:
    return utc_date(day * DAY).day


def _month(day: int) -> int:
    return utc_date(day * DAY).month


def messages(user: User, mailings: list[tuple[int, str, str]], window_start: int) -> list[Pending]:
    """The background messages a user received: welcome mail and the mailings they were due."""
    out: list[Pending] = []
    if not user.background:
        return out
    end = min(user.active_until(), EXPORTED_AT)
    uid = user.user_id
    if window_start <= user.created_at and user.created_at + 2 * MINUTE < end:
        out.append(
            (
                user.created_at + 2 * MINUTE,
                [uid, iso(user.created_at + 2 * MINUTE), "administrative"],
                None,
            )
        )
    spread = (user.index * 37) % 5400  # a mailing goes out over 90 minutes
    admin = user.role == "group_admin"
    for t, category, audience in mailings:
        sent = t + spread
        if not user.created_at < sent < end:
            continue
        if audience == "admins" and not admin:
            continue
        if audience == "billing" and not (admin and user.org.status == "active"):
            continue
        if (
            audience == "segment"
            and user.index % 5 >= 3
            and user.org.status not in ("trial", "demo")
        ):
            continue
        if category in MARKETING and (user.no_marketing or user.opted_out(category, sent)):
            continue
        out.append((sent, [uid, iso(sent), category], None))
    return out


def null_user_failures(rng: random.Random, window_start: int) -> list[Pending]:
    """Mistyped or unknown account names: a failed login with no user, now and then."""
    out: list[Pending] = []
    for day in range(window_start // DAY + 1, EXPORTED_AT // DAY):
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            t = day * DAY + rng.randint(7 * HOUR, 21 * HOUR)
            n = rng.randrange(1 << 21)
            ip = f"100.{64 + (n >> 16)}.{(n >> 8) & 255}.{n & 255}"
            agent = rng.choice(_agents())
            out.append((t, [iso(t), "", "false", ip, agent, ""], None))
    return out


def _agents() -> tuple[str, ...]:
    return BROWSERS_DESKTOP + BROWSERS_MOBILE
