"""Usage analytics: headline figures at their boundaries, and every table against direct
SQL on the DPO's snapshot (suppression off with min_cell 1, then on)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from insight_workbench.analyst import usage
from insight_workbench.analyst.database import AnalystData, analyst_data
from insight_workbench.analyst.user_agents import families
from insight_workbench.errors import InputError
from insight_workbench.loading.snapshot import Snapshot, load_snapshot
from insight_workbench.testing import build_snapshot

KEY = b"usage-test-key-0123456789abcdef!"
AS_OF = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _org(org_id: str, status: str, product: str = "local_insight") -> dict:
    return {
        "org_id": org_id,
        "name": org_id,
        "product": product,
        "status": status,
        "created_at": "2024-01-01T00:00:00Z",
        "closed_at": "2026-10-01T00:00:00Z" if status == "closed" else None,
        "last_contact_at": "2026-11-01T00:00:00Z" if status in ("demo", "trial") else None,
    }


def _user(user_id: str, org_id: str, deleted: bool = False) -> dict:
    return {
        "user_id": user_id,
        "org_id": org_id,
        "name": f"Name {user_id}",
        "email": f"{user_id}@example.com",
        "role": "user",
        "created_at": "2025-01-01T00:00:00Z",
        "deleted_at": "2026-11-01T00:00:00Z" if deleted else None,
    }


def _login(n: int, user: str | None, moment: datetime, ok: bool = True) -> dict:
    return {
        "login_id": f"L{n}",
        "ts": _iso(moment),
        "user_id": user,
        "success": ok,
        "ip": "192.0.2.1",
    }


BOUNDARY = {
    "organisations": [
        _org("O1", "active"),
        _org("O2", "active", "value_insight"),
        _org("O3", "closed"),
        _org("O4", "trial"),
    ],
    "users": [
        _user("U1", "O1"),
        _user("U2", "O1", deleted=True),
        _user("U3", "O2"),
        _user("U4", "O3"),
        _user("U5", "O1"),
    ],
    "logins": [
        _login(1, "U1", AS_OF - timedelta(days=30)),  # exactly 30 days before: out
        _login(2, "U1", AS_OF - timedelta(days=30) + timedelta(seconds=1)),  # in
        _login(3, "U3", AS_OF),  # exactly as_of: in
        _login(4, "U3", AS_OF + timedelta(seconds=1)),  # after as_of: out
        _login(5, "U4", AS_OF - timedelta(days=1), ok=False),  # failed: out
        _login(6, "U5", AS_OF - timedelta(days=2)),
        _login(7, "U5", AS_OF - timedelta(hours=3)),
        _login(8, "U2", AS_OF - timedelta(days=3)),  # a deleted user's login still counts
        _login(9, None, AS_OF - timedelta(days=4), ok=False),  # unknown account
    ],
}


@pytest.fixture(scope="module")
def boundary(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    return load_snapshot(
        build_snapshot(tmp_path_factory.mktemp("b") / "b", BOUNDARY, exported_at=_iso(AS_OF))
    )


def test_headline_figures_at_the_boundaries(boundary: Snapshot):
    figures = usage.headline_figures(boundary)
    assert {
        k: figures[k]
        for k in (
            "users",
            "organisations",
            "active_users_30d",
            "logins_30d",
            "avg_users_per_active_org",
        )
    } == {
        "users": 4,
        "organisations": {"demo": 0, "trial": 1, "active": 2, "closed": 1},
        "active_users_30d": 4,  # U1, U2, U3, U5
        "logins_30d": 5,
        "avg_users_per_active_org": 1.5,  # U1, U5 of O1 and U3 of O2, over 2 organisations
    }
    assert figures["dau"] == 2
    assert figures["wau"] == 3
    assert figures["stickiness"] == 0.5
    assert figures["as_of"] == AS_OF


def test_headline_figures_follow_product_and_period(boundary: Snapshot):
    one = usage.headline_figures(boundary, product="value_insight")
    assert one["users"] == 1  # U3 of O2
    assert one["organisations"] == {"demo": 0, "trial": 0, "active": 1, "closed": 0}
    assert (one["active_users_30d"], one["logins_30d"]) == (1, 1)  # L3 at as_of
    assert one["avg_users_per_active_org"] == 1.0
    short = usage.headline_figures(boundary, days=2)
    # (as_of - 2 days, as_of]: L3 and L7; L6 exactly two days before is out
    assert (short["active_users_30d"], short["logins_30d"]) == (2, 2)
    assert short["stickiness"] == usage.headline_figures(boundary)["stickiness"]  # 30-day MAU
    assert usage.headline_figures(boundary, days=30) == usage.headline_figures(boundary)


def test_headline_figures_match_direct_sql(boundary: Snapshot):
    cursor = boundary.cursor()
    window = {"a": AS_OF, "s": AS_OF - timedelta(days=30)}
    people, logins = cursor.execute(
        "SELECT count(DISTINCT user_id), count(*) FROM logins "
        "WHERE success AND ts > $s AND ts <= $a",
        window,
    ).fetchone()
    users = cursor.execute("SELECT count(*) FROM users WHERE deleted_at IS NULL").fetchone()[0]
    figures = usage.headline_figures(boundary)
    assert (figures["active_users_30d"], figures["logins_30d"], figures["users"]) == (
        people,
        logins,
        users,
    )


def test_headline_figures_are_the_same_on_the_analyst_data(boundary: Snapshot):
    data = analyst_data(boundary, KEY)
    for moment in (None, AS_OF - timedelta(days=2), datetime(2026, 11, 1, tzinfo=UTC)):
        assert usage.headline_figures(data, moment) == usage.headline_figures(boundary, moment)


def test_an_earlier_as_of_moves_the_window(boundary: Snapshot):
    figures = usage.headline_figures(boundary, AS_OF - timedelta(days=2, seconds=1))
    # U1 twice (the login exactly 30 days before AS_OF is now inside) and U2 once
    assert (figures["active_users_30d"], figures["logins_30d"]) == (2, 3)


@pytest.mark.parametrize(
    ("organisations", "users", "expected"),
    [
        ([_org("O1", "closed")], [_user("U1", "O1")], None),
        (
            [_org("O1", "active"), _org("O2", "active"), _org("O3", "active")],
            [_user("U1", "O1"), _user("U2", "O1")],
            0.67,
        ),
        (
            [_org("O1", "active"), _org("O2", "active"), _org("O3", "active")],
            [_user(f"U{n}", "O1") for n in range(5)] + [_user("UX", "O2", deleted=True)],
            1.67,
        ),
    ],
)
def test_average_users_per_active_organisation(tmp_path: Path, organisations, users, expected):
    snapshot = load_snapshot(
        build_snapshot(tmp_path / "s", {"organisations": organisations, "users": users})
    )
    assert usage.headline_figures(snapshot)["avg_users_per_active_org"] == expected


# Every table against the DPO's snapshot, on the seeded activity snapshot.


@pytest.fixture(scope="module")
def dpo(usage_snapshot: Snapshot) -> Snapshot:
    return usage_snapshot


@pytest.fixture(scope="module")
def raw(dpo: Snapshot) -> AnalystData:
    """Suppression off: min_cell 1 hides nothing (zero is never hidden)."""
    return analyst_data(dpo, KEY, min_cell=1)


@pytest.fixture(scope="module")
def safe(dpo: Snapshot) -> AnalystData:
    return analyst_data(dpo, KEY)


def _sql(dpo: Snapshot, sql: str, **params) -> pd.DataFrame:
    cursor = dpo.cursor()
    try:
        return cursor.execute(sql, params).df()
    finally:
        cursor.close()


OK_LOGINS = "SELECT * FROM logins WHERE success AND ts > $s AND ts <= $a"


@pytest.mark.parametrize("grain", ["day", "week", "month"])
def test_active_users_per_period(dpo: Snapshot, raw: AnalystData, grain: str):
    got = usage.active_users(raw, days=60, grain=grain)
    start = AS_OF - timedelta(days=60)
    want = _sql(
        dpo,
        "SELECT CAST(date_trunc($g, ts) AS DATE) AS p, count(DISTINCT user_id) AS n "
        "FROM logins WHERE success AND ts >= date_trunc($g, $s) AND ts <= $a "
        "GROUP BY ALL",
        g=grain,
        s=start,
        a=AS_OF,
    )
    counts = dict(zip(want["p"].dt.date, want["n"], strict=True))
    assert got["period_start"].iloc[-1].date() == _trunc(AS_OF.date(), grain)
    for period, n in zip(got["period_start"].dt.date, got["active_users"], strict=True):
        assert n == counts.get(period, 0)
    assert sum(counts.values()) == got["active_users"].sum()


def _trunc(day: date, grain: str) -> date:
    if grain == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1) if grain == "month" else day


def test_stickiness_against_a_day_by_day_count(dpo: Snapshot, raw: AnalystData):
    got = usage.stickiness(raw, days=20)
    assert len(got) == 20
    assert got["day"].iloc[-1].date() == AS_OF.date()
    for row in got.itertuples():
        day = row.day.date()
        want = _sql(
            dpo,
            "SELECT count(DISTINCT user_id) FILTER (WHERE CAST(ts AS DATE) = $d), "
            "count(DISTINCT user_id) FROM logins WHERE success AND ts <= $a AND "
            "CAST(ts AS DATE) BETWEEN $d - 29 AND $d",
            d=day,
            a=AS_OF,
        ).iloc[0]
        assert (row.dau, row.mau) == (want.iloc[0], want.iloc[1])
        assert row.stickiness == round(row.dau / row.mau, 3)


def test_logins_per_user(dpo: Snapshot, raw: AnalystData):
    got = usage.logins_per_user(raw, days=30)
    per_user = _sql(
        dpo,
        f"SELECT user_id, count(*) AS n FROM ({OK_LOGINS}) WHERE user_id IS NOT NULL GROUP BY ALL",
        s=AS_OF - timedelta(days=30),
        a=AS_OF,
    )["n"]
    buckets = {"1": (1, 1), "2-5": (2, 5), "6-10": (6, 10), "11-20": (11, 20)}
    buckets |= {"21-50": (21, 50), "51+": (51, 10**9)}
    expected = [int(((per_user >= lo) & (per_user <= hi)).sum()) for lo, hi in buckets.values()]
    assert got["logins"].tolist() == [*buckets, "Total"]
    assert got["users"].tolist() == [*expected, len(per_user)]


def test_active_organisations(dpo: Snapshot, raw: AnalystData):
    got = usage.active_organisations(raw, days=30)
    assert len(got) == 12
    assert got["organisations"].sum() == len(_sql(dpo, "FROM organisations"))
    want = _sql(
        dpo,
        f"SELECT o.product, o.status, count(DISTINCT o.org_id) AS n FROM "
        f"({OK_LOGINS}) l JOIN users u USING (user_id) JOIN organisations o "
        "USING (org_id) GROUP BY ALL",
        s=AS_OF - timedelta(days=30),
        a=AS_OF,
    )
    counts = {(r.product, r.status): r.n for r in want.itertuples()}
    for row in got.itertuples():
        assert row.active_organisations == counts.get((row.product, row.status), 0)


def test_users_per_organisation_total_is_the_headline(dpo: Snapshot, raw: AnalystData):
    got = usage.users_per_organisation(raw)
    assert (
        got["avg_users_per_org"].iloc[-1] == usage.headline_figures(dpo)["avg_users_per_active_org"]
    )
    want = _sql(
        dpo,
        "SELECT o.product, count(*) AS n FROM users u JOIN organisations o "
        "USING (org_id) WHERE o.status = 'active' AND u.deleted_at IS NULL "
        "GROUP BY ALL ORDER BY 1",
    )
    assert got["users"].tolist()[:-1] == want["n"].tolist()


def test_the_average_users_per_organisation_is_rounded_as_the_headline_rounds_it(
    tmp_path: Path,
) -> None:
    """41 users of 40 active organisations are 1.025 an organisation: the headline rounds
    that half up to 1.03, and the table's row and Total said 1.02 beside it (a binary
    float rounded half to even)."""
    organisations = [_org(f"O{n}", "active") for n in range(40)]
    users = [_user(f"U{n}", f"O{n}") for n in range(40)] + [_user("U40", "O0")]
    snapshot = load_snapshot(
        build_snapshot(tmp_path / "s", {"organisations": organisations, "users": users})
    )
    assert usage.headline_figures(snapshot)["avg_users_per_active_org"] == 1.03
    table = usage.users_per_organisation(analyst_data(snapshot, KEY, min_cell=1))
    assert table["avg_users_per_org"].tolist() == [1.03, 1.03]


def test_new_users_per_month(dpo: Snapshot, raw: AnalystData):
    got = usage.new_users(raw, months=18)
    want = _sql(
        dpo,
        "SELECT CAST(date_trunc('month', created_at) AS DATE) AS m, count(*) AS n "
        "FROM users GROUP BY ALL",
    )
    counts = dict(zip(want["m"].dt.date, want["n"], strict=True))
    assert len(got) == 18
    assert got["month"].iloc[-1].date() == date(2026, 11, 1)
    assert [counts.get(m, 0) for m in got["month"].dt.date] == got["new_users"].tolist()
    assert got["new_users"].sum() > 0


def test_dormant_accounts(dpo: Snapshot, raw: AnalystData):
    got = usage.dormant_accounts(raw, days=90)
    want = _sql(
        dpo,
        f"SELECT count(*) FROM users u WHERE deleted_at IS NULL AND NOT EXISTS ("
        f"SELECT 1 FROM ({OK_LOGINS}) l WHERE l.user_id = u.user_id)",
        s=AS_OF - timedelta(days=90),
        a=AS_OF,
    ).iloc[0, 0]
    assert got["dormant"].iloc[-1] == want
    assert want > 0
    assert got["accounts"].iloc[-1] == usage.headline_figures(dpo)["users"]


def test_feature_usage(dpo: Snapshot, raw: AnalystData):
    got = usage.feature_usage(raw, days=30)
    want = _sql(
        dpo,
        "SELECT product, event_type, count(DISTINCT user_id) AS users, "
        "count(*) AS events FROM usage_events WHERE ts > $s AND ts <= $a "
        "GROUP BY ALL",
        s=AS_OF - timedelta(days=30),
        a=AS_OF,
    )
    key = ["product", "event_type"]
    merged = got.merge(want, on=key, suffixes=("", "_want"), validate="one_to_one")
    assert len(merged) == len(want) == len(got)
    assert (merged["users"] == merged["users_want"]).all()
    assert (merged["events"] == merged["events_want"]).all()


@pytest.mark.parametrize(
    ("function", "column", "position"),
    [(usage.browser_share, "browser_family", 0), (usage.os_share, "os_family", 1)],
)
def test_browser_and_os_share(dpo: Snapshot, raw: AnalystData, function, column, position):
    got = function(raw, days=30)
    rows = _sql(dpo, OK_LOGINS, s=AS_OF - timedelta(days=30), a=AS_OF)
    rows["family"] = [families(agent)[position] for agent in rows["user_agent"]]
    want = rows.groupby("family").agg(users=("user_id", "nunique"), logins=("login_id", "size"))
    assert dict(zip(got[column], got["logins"], strict=True)) == want["logins"].to_dict()
    assert dict(zip(got[column], got["users"], strict=True)) == want["users"].to_dict()
    assert abs(got["share_of_logins"].sum() - 1) < 0.01


def test_referrer_domains_pool_rare_ones(raw: AnalystData, safe: AnalystData):
    got = usage.referrer_domains(raw, days=30)
    # an intranet and a mail link are not on the closed list of referrers: "other"
    assert set(got["referrer_domain"]) == {"google.com", "bing.com", "other", "direct"}
    assert got["logins"].sum() == usage.headline_figures(raw)["logins_30d"]
    top = usage.referrer_domains(safe, days=30, top=2)
    assert top["referrer_domain"].tolist()[-1] == "other"
    assert len(top) == 3
    assert top["logins"].sum() == got["logins"].sum()


def test_hour_of_week_in_london_time(dpo: Snapshot, raw: AnalystData):
    got = usage.hour_of_week(raw, days=90)
    assert len(got) == 7 * 24
    want = _sql(
        dpo,
        f"SELECT isodow(timezone('Europe/London', ts)) AS w, "
        f"hour(timezone('Europe/London', ts)) AS h, count(*) AS n FROM ({OK_LOGINS}) "
        "GROUP BY ALL",
        s=AS_OF - timedelta(days=90),
        a=AS_OF,
    )
    counts = {(r.w, r.h): r.n for r in want.itertuples()}
    assert {(r.weekday, r.hour): r.logins for r in got.itertuples() if r.logins} == counts


def test_cohort_retention(dpo: Snapshot, raw: AnalystData):
    got = usage.cohort_retention(raw, months=4)
    want = _sql(
        dpo,
        "SELECT CAST(date_trunc('month', min(ts)) AS DATE) AS c, user_id "
        "FROM logins WHERE success AND ts <= $a AND user_id IS NOT NULL "
        "GROUP BY user_id",
        a=AS_OF,
    )
    sizes = want.groupby("c").size()
    first = got[got["months_since"] == 0]
    assert len(first) == 4
    assert len(got) == 4 + 3 + 2 + 1
    for row in first.itertuples():
        assert row.cohort_size == row.users == sizes.get(pd.Timestamp(row.cohort), 0)
    assert (got["users"] <= got["cohort_size"]).all()


def test_product_filter(raw: AnalystData):
    total = usage.feature_usage(raw, days=30)
    only = usage.feature_usage(raw, days=30, product="value_insight")
    assert set(only["product"]) == {"value_insight"}
    assert only["events"].sum() == total[total["product"] == "value_insight"]["events"].sum()
    per_product = [
        usage.active_users(raw, days=10, product=p)["active_users"].sum()
        for p in ("local_insight", "community_insight", "value_insight")
    ]
    assert sum(per_product) <= usage.active_users(raw, days=10)["active_users"].sum()
    assert all(n > 0 for n in per_product)


@pytest.mark.parametrize("name", sorted(usage.REPORTS))
def test_every_table_suppresses_small_counts_of_people(
    safe: AnalystData, raw: AnalystData, name: str
):
    function, _ = usage.REPORTS[name]
    shown, exact = function(safe), function(raw)
    assert shown.shape == exact.shape
    for column in shown.columns:
        for cell, value in zip(shown[column], exact[column], strict=True):
            if cell == "<10":
                assert 0 < value < 10
            elif isinstance(value, int | float) and not isinstance(value, bool) and cell != "[c]":
                assert cell == value or (pd.isna(cell) and pd.isna(value))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda d: usage.active_users(d, grain="year"), "grain"),
        (lambda d: usage.feature_usage(d, product="other_insight"), "product"),
        (lambda d: usage.browser_share(d, days=0), "days"),
    ],
)
def test_bad_arguments_are_clear_errors(raw: AnalystData, call, message):
    with pytest.raises(InputError, match=message):
        call(raw)


def test_analyst_headline_hides_few_people(boundary: Snapshot, dpo: Snapshot):
    few = usage.analyst_headline(analyst_data(boundary, KEY))
    assert few["users"] == "<10"
    assert few["avg_users_per_active_org"] == "[c]"
    assert few["active_users_30d"] == "<10"
    assert few["logins_30d"] == "[c]"
    assert few["dau"] == "<10"
    assert few["stickiness"] == "[c]"
    assert few["organisations"] == {"demo": 0, "trial": 1, "active": 2, "closed": 1}
    many = usage.analyst_headline(analyst_data(dpo, KEY))
    assert many == usage.headline_figures(dpo)


def test_the_average_is_hidden_when_few_people_are_in_active_organisations(
    boundary: Snapshot,
):
    """Four users in all, three of them in the two active organisations: with a minimum
    cell of four the count shows, and the average (3 / 2) is hidden, since times the
    active organisations shown it would give those three people back."""
    shown = usage.analyst_headline(analyst_data(boundary, KEY, min_cell=4))
    assert (shown["users"], shown["organisations"]["active"]) == (4, 2)
    assert shown["avg_users_per_active_org"] == "[c]"


def test_the_usage_report_headline_hides_the_figures_about_few_people(boundary: Snapshot):
    """The report's headline is the analyst's: an average, logins or stickiness about
    fewer than min_cell people would give the hidden count back."""
    from insight_workbench.reports.usage_section import headline

    data = analyst_data(boundary, KEY)
    shown = headline(data, data.as_of(None))
    assert (shown["users"], shown["avg_users_per_active_org"]) == ("<10", "[c]")
    assert (shown["active_users_30d"], shown["logins_30d"]) == ("<10", "[c]")
    assert (shown["dau"], shown["stickiness"]) == ("<10", "[c]")


def test_the_usage_report_headline_is_for_its_product_and_period(sample: Snapshot):
    """As the Usage page shows it for the same filters: a report for one product over a
    year does not print the figures of every product over 30 days."""
    from insight_workbench.reports.usage_section import usage_section

    data = analyst_data(sample, KEY)
    as_of = data.as_of(None)
    section = usage_section(data, as_of, product="value_insight", days=365, grain="month")
    shown = section.figures["headline"]
    assert shown == usage.analyst_headline(data, as_of, product="value_insight", days=365)
    assert shown["users"] != usage.analyst_headline(data, as_of)["users"]
    assert (
        shown["logins_30d"]
        != usage.analyst_headline(data, as_of, product="value_insight")["logins_30d"]
    )


def test_headline_figures_on_the_sample_match_direct_sql(sample: Snapshot):
    cursor = sample.cursor()
    as_of = sample.manifest.exported_at
    window = {"a": as_of, "s": as_of - timedelta(days=30)}
    people, logins = cursor.execute(
        "SELECT count(DISTINCT user_id), count(*) FROM logins "
        "WHERE success AND ts > $s AND ts <= $a",
        window,
    ).fetchone()
    users = cursor.execute("SELECT count(*) FROM users WHERE deleted_at IS NULL").fetchone()[0]
    statuses = dict(
        cursor.execute("SELECT status, count(*) FROM organisations GROUP BY 1").fetchall()
    )
    of_active, active = cursor.execute(
        "SELECT (SELECT count(*) FROM users u JOIN organisations o USING (org_id) "
        "WHERE o.status = 'active' AND u.deleted_at IS NULL), "
        "(SELECT count(*) FROM organisations WHERE status = 'active')"
    ).fetchone()
    figures = usage.headline_figures(sample)
    assert figures["active_users_30d"] == people
    assert figures["logins_30d"] == logins
    assert figures["users"] == users
    assert figures["organisations"] == {
        s: statuses.get(s, 0) for s in ("demo", "trial", "active", "closed")
    }
    assert figures["avg_users_per_active_org"] == round(of_active / active, 2)
    assert people > 0
    assert active > 0


def test_the_report_headline_is_labelled_in_words() -> None:
    from insight_workbench.reports.usage_section import headline_markdown

    figures = {
        "as_of": AS_OF,
        "users": 12345,
        "organisations": {"active": 1200, "trial": 3, "closed": 0, "suspended": 7},
        "active_users_30d": "<10",
        "logins_30d": 0,
        "avg_users_per_active_org": None,
        "dau": 1,
        "wau": 2,
        "stickiness": 0.125,
    }
    lines = headline_markdown(figures).splitlines()
    assert lines == [
        "- **Users (not deleted)**: 12,345",
        "- **Organisations: active**: 1,200",
        "- **Organisations: trial**: 3",
        "- **Organisations: closed**: 0",
        "- **Organisations: suspended**: 7",
        "- **Active users, last 30 days**: \\<10",
        "- **Successful logins, last 30 days**: 0",
        "- **Average users per active organisation**: n/a",
        "- **Active users, last day**: 1",
        "- **Active users, last 7 days**: 2",
        "- **Stickiness (day / 30 days)**: 0\\.125",
    ]


def test_cohorts_start_no_earlier_than_year_1(raw: AnalystData):
    """Twelve months before February of year 1 would begin in year 0, which no date holds."""
    got = usage.cohort_retention(raw, datetime(1, 2, 10, tzinfo=UTC), months=4)
    cells = [(str(c)[:10], int(m)) for c, m in zip(got["cohort"], got["months_since"], strict=True)]
    assert cells == [("0001-01-01", 0), ("0001-01-01", 1), ("0001-02-01", 0)]
    assert (got["cohort_size"] == 0).all()


def test_hidden_logins_cannot_be_had_from_the_headline_less_the_shown_rows(tmp_path: Path):
    """27 people log in on Mondays at 10:00 (15 from google.com, 12 directly) and 3 on
    Sundays at 21:00 from a rare domain: the 3's logins are hidden, and so are one more
    row's, in the referrer table and in the hour-of-week grid alike."""
    as_of = datetime(2026, 11, 28, 2, tzinfo=UTC)
    users = [_user(f"U{i:02d}", "O1") for i in range(1, 31)]
    rows, n = [], 0
    for i in range(1, 31):
        for week in range(4):
            n += 1
            rare = i > 27
            moment = datetime(2026, 11, 1 if rare else 2, 21 if rare else 10, tzinfo=UTC)
            login = _login(n, f"U{i:02d}", moment + timedelta(weeks=week))
            login["referrer"] = (
                "https://intranet.example.net/" if rare else "https://www.google.com/" * (i <= 15)
            )
            rows.append(login)
    tables = {"organisations": [_org("O1", "active")], "users": users, "logins": rows}
    snapshot = load_snapshot(build_snapshot(tmp_path / "s", tables))
    data = analyst_data(snapshot, KEY)
    headline = usage.headline_figures(snapshot, as_of, days=30)["logins_30d"]
    for frame in (
        usage.referrer_domains(data, as_of, days=30),
        usage.hour_of_week(data, as_of, days=30),
    ):
        shown = [v for v in frame["logins"] if not isinstance(v, str)]
        hidden = [v for v in frame["logins"] if isinstance(v, str)]
        assert len(hidden) >= 2
        assert headline - sum(shown) >= 12 + 48  # at least the 3's and one more row's


@pytest.mark.parametrize(
    ("min_cell", "said"),
    [(10, "fewer than 10 people are suppressed"), (1, "Nothing is suppressed")],
)
def test_the_usage_section_says_what_it_suppresses(sample: Snapshot, min_cell: int, said: str):
    from insight_workbench.reports.usage_section import usage_section

    data = analyst_data(sample, KEY, min_cell)
    intro = usage_section(data, data.as_of(None)).intro
    assert said in intro
    assert "fewer than 1 people" not in intro


def test_a_rate_of_an_empty_cohort_is_shown_as_nothing_never_nan() -> None:
    """A cohort of no one has no retention: its cell was the text `nan`, in the page's
    table and its CSV alike."""
    from insight_workbench.dashboard.usage import for_display

    frame = pd.DataFrame({"retention": pd.Series([0.5, "<10", float("nan"), None], dtype=object)})
    assert for_display(frame)["retention"].tolist() == ["0.5", "<10", "", ""]


def test_dormant_accounts_less_the_dormant_never_give_back_a_small_active_count(
    tmp_path: Path,
) -> None:
    """15 accounts of which 3 logged in within 90 days: the table showed 15 and 12, and
    so the 3 that every other table hid as "<10"."""
    made = "2025-01-01T00:00:00Z"
    org = {"org_id": "O1", "name": "Org", "product": "value_insight", "status": "active"}
    users = [
        {"user_id": f"U{n}", "org_id": "O1", "name": f"N{n}", "email": f"u{n}@example.org",
         "role": "user", "created_at": made}
        for n in range(15)
    ]  # fmt: skip
    logins = [
        {"login_id": f"L{n}", "user_id": f"U{n}", "ts": "2026-11-20T10:00:00Z",
         "success": "true", "ip": "10.0.0.1"}
        for n in range(3)
    ]  # fmt: skip
    tables = {"organisations": [org | {"created_at": made}], "users": users, "logins": logins}
    snapshot = load_snapshot(build_snapshot(tmp_path / "s", tables))
    shown = usage.dormant_accounts(analyst_data(snapshot, KEY), days=90)
    rows = {row["product"]: row for row in shown.to_dict("records")}
    for product in ("value_insight", "Total"):
        row = rows[product]
        assert row["active"] == "<10"
        assert "[c]" in (row["accounts"], row["dormant"]), row  # else 15 - 12 gives 3


def test_the_usage_report_draws_no_day_still_under_way(sample: Snapshot):
    """The analyst's `as_of` is a midnight: the day it starts holds nothing yet, and the
    report drew it as a fall to 0 (of active users and of stickiness)."""
    from insight_workbench.reports.usage_section import usage_section

    data = analyst_data(sample, KEY)
    as_of = data.as_of(None)
    section = usage_section(data, as_of, days=30, grain="day")
    active, sticky = section.charts[:2]
    for figure in (active, sticky):
        last = max(pd.to_datetime(x).date() for trace in figure.data for x in trace.x)
        assert last == (as_of - timedelta(days=1)).date(), figure.layout.title.text


def test_all_users_less_those_of_active_organisations_never_give_back_a_few(
    tmp_path: Path,
) -> None:
    """12 users in an active organisation (shown as the Total of users per organisation)
    and 3 in a trial: the headline's 15 less 12 gave the trial's 3 back."""
    made = "2025-01-01T00:00:00Z"
    tables: dict[str, list] = {"organisations": [], "users": []}
    for org, status, people in (("A", "active", 12), ("T", "trial", 3)):
        tables["organisations"].append(
            {"org_id": org, "name": org, "product": "local_insight", "status": status,
             "created_at": made, "last_contact_at": made}
        )  # fmt: skip
        tables["users"] += [
            {"user_id": f"{org}{n}", "org_id": org, "name": f"N{n}",
             "email": f"{org}{n}@example.org", "role": "user", "created_at": made}
            for n in range(people)
        ]  # fmt: skip
    data = analyst_data(load_snapshot(build_snapshot(tmp_path / "s", tables)), KEY)
    shown = usage.analyst_headline(data)
    assert usage.users_per_organisation(data)["users"].iloc[-1] == 12
    assert shown["users"] == "[c]"


def test_the_cohort_map_marks_a_hidden_cell_apart_from_an_empty_one(sample: Snapshot):
    """A cohort cell hidden for having fewer than min_cell people showed as a gap, like a
    cell with no value: it shows the marker, as the hour-of-week grid does; a share is
    a percentage."""
    from insight_workbench.reports.usage_section import usage_section

    data = analyst_data(sample, KEY)
    section = usage_section(data, data.as_of(None))
    [cohort_map] = [f for f in section.charts if f.layout.title.text == "Monthly cohort retention"]
    cohorts = usage.cohort_retention(data, data.as_of(None))
    hidden = cohorts[cohorts["retention"].map(lambda v: isinstance(v, str))]
    assert not hidden.empty  # the sample has small cohorts
    [grid] = cohort_map.data  # rows the cohorts (their first day), columns the months
    shown = {
        (cohort, months): grid.text[i][j]
        for i, cohort in enumerate(grid.y)
        for j, months in enumerate(grid.x)
    }
    for row in hidden.itertuples():
        assert shown[(str(row.cohort.date()), str(row.months_since))] == row.retention
    assert any(text.endswith("%") for text in shown.values())
