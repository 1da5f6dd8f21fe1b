"""Nothing an analyst can reach holds a person's email, name, telephone, user id or IP.

Every table and column of the analyst connection, every analyst-facing usage table
and the `deidentify` datasets are read cell by cell (as text) and compared with
every identifier the DPO's snapshot holds. Then canaries planted in every free-text
column of a small snapshot (`canary_people.py`) are looked for in the analyst
database, every usage table, the usage report, the Usage page's tables and the
`usage` command's JSON: none may be there, in any case.
"""

from __future__ import annotations

import csv
import ipaddress
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pytest

from insight_workbench import cli
from insight_workbench.analyst import usage, vocabulary
from insight_workbench.analyst.database import ANALYST_TABLES, AnalystData, analyst_data
from insight_workbench.dashboard import usage as views
from insight_workbench.dashboard.session import Identity, Workbench, workbench_of
from insight_workbench.deidentification.aggregates import deidentify
from insight_workbench.ip_addresses import is_ip_address
from insight_workbench.loading.schema import PRODUCTS
from insight_workbench.loading.snapshot import Snapshot, load_snapshot
from insight_workbench.policy import load_policy
from insight_workbench.reports.usage_section import usage_section

pytestmark = pytest.mark.slow  # started first: see tests/conftest.py

KEY = b"no-identifiers-test-key-0123456789"
EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")


@pytest.fixture(scope="module", params=["sample", "seeded"])
def dpo(request: pytest.FixtureRequest) -> Snapshot:
    return request.getfixturevalue("sample" if request.param == "sample" else "usage_snapshot")


@pytest.fixture(scope="module")
def data(dpo: Snapshot) -> AnalystData:
    return analyst_data(dpo, KEY)


class Identifiers:
    """Every direct identifier held in the snapshot, normalised for comparison."""

    def __init__(self, snapshot: Snapshot) -> None:
        cursor = snapshot.cursor()

        def values(sql: str) -> set[str]:
            return {
                str(v[0]).strip().casefold()
                for v in cursor.execute(sql).fetchall()
                if v[0] is not None and str(v[0]).strip()
            }

        self.user_ids = values(
            "SELECT user_id FROM users UNION SELECT user_id FROM logins "
            "UNION SELECT user_id FROM usage_events"
        )
        self.emails = values(
            "SELECT email FROM users UNION SELECT requester_email FROM subject_requests"
        )
        self.names = values("SELECT name FROM users")
        self.ips = values("SELECT ip FROM logins")
        self.ip_lengths = sorted({len(ip) for ip in self.ips})
        self.agents = values("SELECT user_agent FROM logins")
        self.phones = {re.sub(r"\D", "", p) for p in values("SELECT telephone FROM users")}
        self.phones = {p for p in self.phones if len(p) >= 7}
        self.exact = self.user_ids | self.emails | self.names | self.ips | self.agents
        long_ones = [v for v in self.user_ids | self.emails | self.names if len(v) >= 6]
        self.inside = re.compile("|".join(map(re.escape, sorted(long_ones, key=len)[::-1])))
        assert self.user_ids
        assert self.emails
        assert self.names
        assert self.ips

    def problems(self, where: str, cells: Iterable[object]) -> list[str]:
        found = []
        for cell in cells:
            if cell is None:
                continue
            text = str(cell).strip().casefold()
            if text in self.exact:
                found.append(f"{where}: a held identifier")
            elif EMAIL.search(text) or self.inside.search(text):
                found.append(f"{where}: contains an email, name or user id")
            elif len(re.sub(r"\D", "", text)) >= 7 and re.sub(r"\D", "", text) in self.phones:
                found.append(f"{where}: a telephone number")
            elif _is_address(text) or self._ips_in(text):
                found.append(f"{where}: an IP address")
        return found

    def _ips_in(self, text: str) -> set[str]:
        # A truncated network (192.0.2.0/24, 2001:db8:1::/48) is what analysts get.
        if _is_network(text) or not any(c in text for c in ".:"):
            return set()
        # Every held address inside the text: its pieces of each address length looked
        # up, rather than each of the thousands of addresses searched for in every cell.
        pieces = {text[i : i + n] for n in self.ip_lengths for i in range(len(text) - n + 1)}
        return pieces & self.ips


# What an address or network may be written with (after casefold); an IPv6 scope id
# (after %) may hold anything. Other text is not parsed: most cells are times or words.
_IP_CHARACTERS = frozenset("0123456789abcdef.:/")


def _may_be_ip(text: str) -> bool:
    return "%" in text or set(text) <= _IP_CHARACTERS


def _is_address(text: str) -> bool:
    return _may_be_ip(text) and is_ip_address(text)


def _is_network(text: str) -> bool:
    if not _may_be_ip(text):
        return False
    try:
        return ipaddress.ip_network(text).prefixlen in (24, 48)
    except ValueError:
        return False


@pytest.fixture(scope="module")
def identifiers(dpo: Snapshot) -> Identifiers:
    return Identifiers(dpo)


def test_every_table_and_column_of_the_analyst_connection(
    data: AnalystData, identifiers: Identifiers
):
    cursor = data.cursor()
    tables = [
        r[0] for r in cursor.execute("SELECT table_name FROM information_schema.tables").fetchall()
    ]
    assert sorted(tables) == sorted(ANALYST_TABLES)
    problems, checked = [], 0
    for table in tables:
        columns = cursor.execute(f"DESCRIBE {table}").fetchall()
        for column, *_ in columns:
            assert not re.search(r"email|name$|phone|^ip$|user_id|agent|login_id", column)
            distinct = cursor.execute(
                f'SELECT DISTINCT CAST("{column}" AS VARCHAR) FROM {table}'
            ).fetchall()
            problems += identifiers.problems(f"{table}.{column}", (r[0] for r in distinct))
            checked += len(distinct)
    assert checked > 100
    assert problems == []


@pytest.mark.parametrize("name", sorted(usage.REPORTS))
def test_every_usage_table(data: AnalystData, identifiers: Identifiers, name: str):
    function, _ = usage.REPORTS[name]
    frames = [function(data), function(data, product="local_insight")]
    problems = []
    for frame in frames:
        assert len(frame) > 0
        for column in frame.columns:
            assert identifiers.problems(f"{name}: column name", [column]) == []
            problems += identifiers.problems(f"{name}.{column}", frame[column].tolist())
    assert problems == []


@pytest.mark.parametrize("function", [usage.headline_figures, usage.analyst_headline])
def test_headline_figures(data: AnalystData, identifiers: Identifiers, function):
    figures = function(data)
    cells = [*figures.values(), *figures["organisations"].values()]
    assert identifiers.problems("headline", cells) == []


def test_deidentified_datasets(dpo: Snapshot, identifiers: Identifiers, tmp_path: Path):
    problems = []
    for path in deidentify(dpo, tmp_path, dpo.manifest.exported_at, 10):
        if path.suffix == ".csv":
            with path.open(encoding="utf-8") as handle:
                for row in csv.reader(handle):
                    problems += identifiers.problems(path.name, row)
    assert problems == []


def test_the_checker_finds_what_it_looks_for(dpo: Snapshot, identifiers: Identifiers):
    row = (
        dpo.cursor()
        .execute(
            "SELECT user_id, email, name, telephone FROM users WHERE telephone IS NOT NULL LIMIT 1"
        )
        .fetchone()
    )
    ip = dpo.cursor().execute("SELECT ip FROM logins LIMIT 1").fetchone()[0]
    planted = [
        row[0],
        f"mailto:{row[1]}",
        f"Dear {row[2]}",
        row[3].replace(" ", "-"),
        ip,
        f"from {ip} today",
        "someone.else@example.net",
    ]
    assert len(identifiers.problems("planted", planted)) == len(planted)
    assert identifiers.problems("safe", ["Chrome", "2026-11-01", 12, "<10", "p_0123"]) == []


# --- Canaries: a planted value in every free-text column of a small snapshot ---------


@pytest.fixture(scope="module")
def canary_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from canary_people import build_canary_snapshot

    return build_canary_snapshot(tmp_path_factory.mktemp("leak") / "snap")


@pytest.fixture(scope="module")
def canary_data(canary_path: Path) -> AnalystData:
    return analyst_data(load_snapshot(canary_path), KEY, min_cell=10)


def _canary_leaks(where: str, cells: Iterable[object]) -> list[str]:
    from canary_people import canaries

    planted = {c for canary in canaries() for c in (canary, canary.casefold())}
    planted |= {c.replace(" ", "") for c in planted if c.startswith("+44")}
    found = []
    for cell in cells:
        if cell is None:
            continue
        text = str(cell)
        folded = text.casefold()
        if "canary" in folded or any(c in text or c in folded for c in planted):
            found.append(f"{where}: {text[:80]!r}")
    return found


def _frame_leaks(where: str, frame: pd.DataFrame) -> list[str]:
    problems = _canary_leaks(f"{where}: column names", frame.columns)
    for column in frame.columns:
        problems += _canary_leaks(f"{where}.{column}", frame[column].tolist())
    return problems


def test_the_canaries_are_in_the_snapshot(canary_path: Path):
    # the checker finds every canary where it was planted, so a clean result means something
    import canary_people as planted

    snapshot = load_snapshot(canary_path)
    cursor = snapshot.cursor()
    found = []
    for table in ("organisations", "users", "logins", "usage_events", "subject_requests"):
        frame = cursor.execute(f"SELECT * FROM {table}").df()
        found += _frame_leaks(table, frame)
    for value in (planted.EVENT_TYPE, planted.REFERRER, planted.USER_AGENT, planted.REQUESTER):
        assert any(value[:40] in line for line in found), value
    assert cursor.execute("SELECT count(*) FROM users").fetchone() == (planted.PEOPLE,)


def test_no_canary_in_the_analyst_database(canary_data: AnalystData):
    cursor = canary_data.cursor()
    problems, checked = [], 0
    for table in ANALYST_TABLES:
        frame = cursor.execute(f"SELECT * FROM {table}").df()
        checked += frame.size
        problems += _frame_leaks(table, frame)
    assert checked > 500
    assert problems == []


def test_every_text_column_holds_words_of_its_vocabulary(canary_data: AnalystData):
    cursor = canary_data.cursor()
    for table, column in (
        ("orgs", "product"),
        ("orgs", "status"),
        ("users", "role"),
        ("usage_events", "product"),
        ("usage_events", "event_type"),
        ("logins", "browser_family"),
        ("logins", "os_family"),
        ("logins", "referrer_domain"),
    ):
        values = {v for (v,) in cursor.execute(f"SELECT DISTINCT {column} FROM {table}").fetchall()}
        assert values <= vocabulary.allowed(column), (table, column)
    types = cursor.execute("SELECT DISTINCT event_type FROM usage_events").fetchall()
    assert sorted(types) == [("indicator_search",), ("other",), ("page_view",)]


@pytest.mark.parametrize("name", sorted(usage.REPORTS))
def test_no_canary_in_any_usage_table(canary_data: AnalystData, name: str):
    function, _ = usage.REPORTS[name]
    problems = []
    for product in (None, *PRODUCTS):
        for days in (30, 365):
            args = {"months": days // 30} if name in ("cohort_retention", "new_users") else {}
            frame = function(canary_data, product=product, **(args or {"days": days}))
            problems += _frame_leaks(f"{name} {product} {days}", frame)
    assert problems == []


def test_no_canary_in_the_headline_or_the_usage_report(canary_data: AnalystData):
    as_of = canary_data.exported_at
    problems = _canary_leaks("headline", map(str, usage.analyst_headline(canary_data).values()))
    for product in (None, *PRODUCTS):
        section = usage_section(canary_data, as_of, product=product, days=90)
        for caption, frame in section.tables:
            problems += _frame_leaks(f"report {caption}", frame)
        for figure in section.charts:
            problems += _canary_leaks("report chart", [figure.to_json()])
        problems += _canary_leaks("report figures", [json.dumps(section.figures, default=str)])
    assert problems == []


@pytest.mark.usefixtures("canary_data")
def test_no_canary_on_the_usage_page(canary_path: Path):
    wb = _workbench(canary_path)
    problems = []
    for name in usage.REPORTS:
        for product in (None, *PRODUCTS):
            for days in (30, 365):
                frame = views.for_display(views.report(wb, name, product, days))
                problems += _frame_leaks(f"page {name}", frame)
    problems += _canary_leaks("page headline", map(str, views.headline(wb).values()))
    assert problems == []


def test_no_canary_in_the_usage_command(canary_path: Path, monkeypatch, capsys):
    monkeypatch.setattr(
        sys, "argv", ["insight-workbench", "usage", str(canary_path), "--format", "json"]
    )
    with pytest.raises(SystemExit) as done:
        cli.main()
    out = capsys.readouterr().out
    assert done.value.code == 0
    assert json.loads(out)["users"] == 30
    assert _canary_leaks("usage --format json", [out]) == []


def test_a_rare_event_type_does_not_show_its_label(canary_path: Path, canary_data: AnalystData):
    from canary_people import RARE_EVENT

    exact = usage.feature_usage(analyst_data(load_snapshot(canary_path), KEY, min_cell=1))
    assert RARE_EVENT in set(exact["event_type"])  # three people used it
    shown = usage.feature_usage(canary_data)
    assert RARE_EVENT not in set(shown["event_type"])
    local = shown[shown["product"] == "local_insight"].set_index("event_type")
    # pooled with the unknown export events of twenty people: a count that hides no one
    assert local.loc["other", "users"] == 20
    assert local.loc["page_view", "users"] == 20
    section = usage_section(canary_data, canary_data.exported_at, days=30)
    texts = [figure.to_json() for figure in section.charts]
    texts += [frame.to_csv() for _, frame in section.tables]
    page = views.report(_workbench(canary_path), "feature_usage", None, 30)
    texts.append(views.for_display(page).to_csv())
    assert not any(RARE_EVENT in text for text in texts)


def test_a_rare_label_alone_shows_as_other_with_its_marker(canary_path: Path):
    # with a higher minimum, the twenty-person groups become rare as well
    data = analyst_data(load_snapshot(canary_path), KEY, min_cell=25)
    shown = usage.feature_usage(data)
    assert set(shown["event_type"]) == {"other"}
    assert set(shown["users"]) == {"<25"}
    assert set(shown["events"]) == {"[c]"}
    browsers = usage.browser_share(data)
    assert browsers["browser_family"].tolist() == ["Other"]
    assert browsers["users"][0] == 30


def _workbench(path: Path) -> Workbench:
    snapshot = load_snapshot(path)
    identity = Identity("analyst", "leak test", signed_in=False)
    as_of = snapshot.manifest.exported_at
    return workbench_of(snapshot, identity, path.parent, as_of, load_policy(), "default", KEY, None)
