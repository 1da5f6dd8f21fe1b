"""How long the access rules (ACC-001..005) take on a large logins table.

    .venv/bin/python benchmarks/access_bench.py [--rows N] [--failed-share F] [--runs N]

The tables are made by DuckDB itself, already typed, in the shape the loader
leaves them (so only the rules are timed): a thousand organisations (one in forty
closed), a hundred thousand users (some soft-deleted), N logins over a year
from fifty thousand IPs, a share F of them failed (some on unknown accounts),
planted bursts on 500 accounts and 200 IPs, and a hundred thousand user-list
views. Each rule runs `--runs` times through the same `run_rules` as `check`;
the best and worst wall-clock times and the number of findings are printed per
rule. The second stage of ACC-003/004 (the densest window) runs only on the
accounts and IPs the cheap first stage flagged.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from insight_workbench.loading.manifest import Manifest
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules import REGISTRY, run_rules

ORGS = 1_000
USERS = 100_000
IPS = 50_000
YEAR_SECONDS = 365 * 86400

TABLES = {
    "organisations": f"""
        SELECT 'O' || i AS org_id, 'Org ' || i AS name, 'local_insight' AS product,
               CASE WHEN i % 40 = 0 THEN 'closed' ELSE 'active' END AS status,
               TIMESTAMPTZ '2025-01-01 00:00:00+00' AS created_at,
               NULL::DATE AS subscription_start,
               CASE WHEN i % 40 = 0
                    THEN TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(i * 7919 % 31536000)
               END AS closed_at,
               NULL::TIMESTAMPTZ AS last_contact_at
        FROM range({ORGS}) r(i)""",
    "users": f"""
        SELECT 'U' || i AS user_id, 'O' || (i % {ORGS}) AS org_id, 'User ' || i AS name,
               'u' || i || '@example.org' AS email, NULL AS telephone,
               CASE WHEN i % 50 = 0 THEN 'group_admin' ELSE 'user' END AS role,
               TIMESTAMPTZ '2025-01-01 00:00:00+00' AS created_at,
               CASE WHEN i % 40 = 0
                    THEN TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(i * 104729 % 31536000)
               END AS deleted_at
        FROM range({USERS}) r(i)""",
    # Logins spread over the year; a share of them failed (a tenth of those on unknown
    # accounts). Then planted bursts: 12 failures in 6 minutes on each of 500 accounts,
    # 25 failures in 8 minutes from each of 200 IPs.
    "logins": """
        SELECT 'L' || i AS login_id,
               TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(hash(i) % 31536000) AS ts,
               CASE WHEN failed AND i % 10 = 0 THEN NULL ELSE 'U' || (hash(i * 3) % $users) END
                   AS user_id,
               NOT failed AS success,
               '10.' || (hash(i * 5) % $ips // 65536) || '.' || (hash(i * 5) % $ips // 256 % 256)
                   || '.' || (hash(i * 5) % 256) AS ip,
               'Mozilla/5.0' AS user_agent, NULL AS referrer
        FROM (SELECT i, (hash(i * 7) % 1000) < $failed_permille AS failed FROM range($rows) r(i))
        UNION ALL
        SELECT 'A' || i, TIMESTAMPTZ '2026-03-01 00:00:00+00' + to_seconds(i // 12 * 86400
                   + i % 12 * 30),
               'U' || (i // 12 * 199), false, '192.0.2.' || (i % 12), NULL, NULL
        FROM range(6000) r(i)
        UNION ALL
        SELECT 'B' || i, TIMESTAMPTZ '2026-04-01 00:00:00+00' + to_seconds(i // 25 * 86400
                   + i % 25 * 20),
               NULL, false, '198.51.100.' || (i // 25), NULL, NULL
        FROM range(5000) r(i)
    """,
    "admin_views": f"""
        SELECT 'V' || i AS view_id, TIMESTAMPTZ '2026-06-01 00:00:00+00' AS ts,
               'U' || (i * 50 % {USERS}) AS viewer_user_id,
               'O' || (CASE WHEN i % 100 = 0 THEN i + 1 ELSE i * 50 END % {ORGS}) AS org_id
        FROM range(100000) r(i)""",
}


def build(rows: int, failed_share: float) -> Snapshot:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    params = {"rows": rows, "failed_permille": int(failed_share * 1000), "users": USERS, "ips": IPS}
    for name, sql in TABLES.items():
        used = {k: v for k, v in params.items() if f"${k}" in sql}
        con.execute(f"CREATE TABLE {name} AS {sql}", used)
    exported = datetime(2026, 12, 31, tzinfo=UTC)
    manifest = Manifest("access-bench", exported, "bench", "UTC", {}, "")
    return Snapshot(Path("."), manifest, con, {}, [], [])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--failed-share", type=float, default=0.1)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    started = time.perf_counter()
    snapshot = build(args.rows, args.failed_share)
    failed = snapshot.con.execute("SELECT count(*) FROM logins WHERE NOT success").fetchall()
    print(
        f"generated {args.rows:,} logins ({failed[0][0]:,} failed) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    policy = load_policy()
    for code in ("ACC-001", "ACC-002", "ACC-003", "ACC-004", "ACC-005"):
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            findings = run_rules(snapshot, policy, snapshot.manifest.exported_at, [REGISTRY[code]])
            times.append(time.perf_counter() - started)
        print(
            f"{code}: {len(findings):>8,} findings   best {min(times):6.2f} s   "
            f"worst {max(times):6.2f} s"
        )


if __name__ == "__main__":
    main()
