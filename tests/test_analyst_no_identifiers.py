"""Nothing an analyst can reach holds a person's email, name, telephone, user id or IP.

Every table and column of the analyst connection, every analyst-facing usage table
and the `deidentify` datasets are read cell by cell (as text) and compared with
every identifier the DPO's snapshot holds.
"""

from __future__ import annotations

import csv
import ipaddress
import re
from collections.abc import Iterable
from pathlib import Path

import pytest

from insight_workbench.analyst import usage
from insight_workbench.analyst.database import ANALYST_TABLES, AnalystData, analyst_data
from insight_workbench.deidentification.aggregates import deidentify
from insight_workbench.loading.snapshot import Snapshot

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
        self.agents = values("SELECT user_agent FROM logins")
        self.phones = {re.sub(r"\D", "", p) for p in values("SELECT telephone FROM users")}
        self.phones = {p for p in self.phones if len(p) >= 7}
        self.exact = self.user_ids | self.emails | self.names | self.ips | self.agents
        long_ones = [v for v in self.user_ids | self.emails | self.names if len(v) >= 6]
        self.inside = re.compile("|".join(map(re.escape, sorted(long_ones, key=len)[::-1])))
        assert self.user_ids and self.emails and self.names and self.ips

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
            elif _is_address(text) or any(ip in text for ip in self._ips_in(text)):
                found.append(f"{where}: an IP address")
        return found

    def _ips_in(self, text: str) -> list[str]:
        # A truncated network (192.0.2.0/24, 2001:db8:1::/48) is what analysts get.
        if _is_network(text):
            return []
        return [ip for ip in self.ips if ip in text] if any(c in text for c in ".:") else []


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _is_network(text: str) -> bool:
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
