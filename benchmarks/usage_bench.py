"""Time the analyst-data build and every usage table on one snapshot.

    python benchmarks/usage_bench.py SNAPSHOT
    python benchmarks/usage_bench.py --generate DIR --logins 10000000 [--users 200000]

`--generate` first writes a synthetic snapshot of that size (with DuckDB, in
seconds) into DIR, then measures it. Prints one line per step: seconds and rows.
"""

from __future__ import annotations

import argparse
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from insight_workbench.analyst import usage
from insight_workbench.analyst.database import analyst_data
from insight_workbench.deidentification.aggregates import deidentify
from insight_workbench.loading.manifest import write_manifest
from insight_workbench.loading.snapshot import load_snapshot
from insight_workbench.testing import write_table

EXPORTED_AT = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)

_GENERATE = {
    "organisations": """
        SELECT 'O' || i AS org_id, 'Organisation ' || i AS name,
               ['local_insight', 'community_insight', 'value_insight'][1 + i % 3] AS product,
               ['active', 'active', 'trial', 'demo', 'closed'][1 + i % 5] AS status,
               '2024-01-01T00:00:00Z' AS created_at, NULL AS subscription_start,
               CASE WHEN i % 5 = 4 THEN '2026-09-01T00:00:00Z' END AS closed_at,
               CASE WHEN i % 5 IN (2, 3) THEN '2026-11-01T00:00:00Z' END AS last_contact_at
        FROM range($orgs) t(i)""",
    "users": """
        SELECT 'U' || i AS user_id, 'O' || (hash(i) % $orgs) AS org_id, 'Person ' || i AS name,
               'person' || i || '@example.com' AS email, '+44 1632 ' || (100000 + i) AS telephone,
               CASE WHEN i % 30 = 0 THEN 'group_admin' ELSE 'user' END AS role,
               strftime(TIMESTAMP '2025-01-01' + to_minutes(i % 500000), '%Y-%m-%dT%H:%M:%SZ')
                   AS created_at,
               CASE WHEN i % 50 = 0 THEN '2026-06-01T00:00:00Z' END AS deleted_at
        FROM range($users) t(i)""",
    "logins": """
        SELECT 'L' || i AS login_id,
               strftime(TIMESTAMP '2026-11-28 02:00:00' - to_seconds(hash(i) % (365 * 86400)),
                        '%Y-%m-%dT%H:%M:%SZ') AS ts,
               CASE WHEN i % 97 = 0 THEN NULL ELSE 'U' || (hash(i * 7) % $users) END AS user_id,
               CASE WHEN i % 97 = 0 OR i % 13 = 0 THEN 'false' ELSE 'true' END AS success,
               CASE WHEN i % 7 = 0
                    THEN '2001:db8:' || printf('%x', hash(i) % 65536) || '::' || (i % 999)
                    ELSE '10.' || (hash(i) % 256) || '.' || (hash(i * 3) % 256) || '.'
                         || (i % 250) END AS ip,
               'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) '
                   || 'Chrome/' || (90 + hash(i) % 40) || '.0.' || (hash(i) % 50)
                   || '.0 Safari/537.36'
                   AS user_agent,
               ['https://www.google.com/', 'bing.com', NULL, 'https://intranet.example.org/x',
                'https://site' || (i % 500) || '.example.net/'][1 + i % 5] AS referrer
        FROM range($logins) t(i)""",
    "usage_events": """
        SELECT 'E' || i AS event_id,
               strftime(TIMESTAMP '2026-11-28 02:00:00' - to_seconds(hash(i) % (365 * 86400)),
                        '%Y-%m-%dT%H:%M:%SZ') AS ts,
               'U' || (hash(i * 5) % $users) AS user_id,
               ['local_insight', 'community_insight', 'value_insight'][1 + i % 3] AS product,
               ['page_view', 'report_run', 'map_view', 'download'][
                   1 + CAST(hash(i) % 4 AS BIGINT)] AS event_type
        FROM range($events) t(i)""",
}


def generate(folder: Path, logins: int, users: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    sizes = {"orgs": max(users // 50, 10), "users": users, "logins": logins, "events": logins}
    for table, sql in _GENERATE.items():
        used = {k: v for k, v in sizes.items() if f"${k}" in sql}
        con.execute(f"COPY ({sql}) TO '{folder / (table + '.csv')}' (HEADER, DELIMITER ',')", used)
    for table, columns in {
        "communications": ["message_id", "user_id", "sent_at", "category"],
        "preferences": ["user_id", "changed_at", "category", "opted_out", "channel"],
        "subject_requests": [
            "request_id",
            "received_at",
            "requester_email",
            "user_id",
            "type",
            "status",
            "completed_at",
            "extended",
        ],
        "processors": [
            "processor_id",
            "name",
            "service",
            "data_categories",
            "contract_start",
            "assessment_date",
            "last_review_date",
        ],
    }.items():
        write_table(folder / f"{table}.csv", columns, [])
    write_manifest(folder, EXPORTED_AT, "usage-bench")
    return folder


def timed(label: str, step: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = step()
    rows = len(result) if hasattr(result, "__len__") else ""
    print(f"{label:<32} {time.perf_counter() - start:8.2f} s  {rows}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("snapshot", nargs="?", type=Path)
    parser.add_argument("--generate", type=Path, help="write a synthetic snapshot here first")
    parser.add_argument("--logins", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=100_000)
    args = parser.parse_args()
    path = args.snapshot
    if args.generate:
        path = timed("generate", lambda: generate(args.generate, args.logins, args.users))
    if path is None:
        parser.error("give a SNAPSHOT or --generate DIR")
    snapshot = timed("load_snapshot", lambda: load_snapshot(path))
    print(f"rows loaded: {snapshot.rows_loaded}")
    data = timed("analyst_data", lambda: analyst_data(snapshot, secrets.token_bytes(32)))
    timed("headline_figures (snapshot)", lambda: usage.headline_figures(snapshot))
    timed("headline_figures (analyst)", lambda: usage.headline_figures(data))
    total = time.perf_counter()
    for name, (function, _) in usage.REPORTS.items():
        timed(name, lambda f=function: f(data))
    print(f"{'all usage tables':<32} {time.perf_counter() - total:8.2f} s")
    out = Path(str(path).rstrip("/") + "-deidentified")
    timed("deidentify", lambda: deidentify(snapshot, out, snapshot.manifest.exported_at, 10))


if __name__ == "__main__":
    main()
