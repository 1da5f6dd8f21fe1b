"""The `large` preset of the sample: a snapshot of tens of millions of rows, made in DuckDB.

    insight-workbench sample --preset large --out DIR [--scale F] [--seed N] [--format parquet|csv]

At scale 1: 2,000 organisations, 200,000 users, 10M logins, 30M usage events,
1M messages, with preferences, subject requests, processors and admin views.
`--scale` multiplies every count (0.25, 0.5, 1, 2...). The row-by-row generator
of the small sample would take hours; here every table is one SQL statement over
`range()`, and every random choice is `hash(row, salt, seed)`, so the same seed
gives the same rows. The files are not byte-identical between runs (DuckDB writes
Parquet row groups from several threads), and no `planted.json` is written: the
findings are whatever the distributions produce, not a list to compare with.

What the rules find in it, by construction:
- example.org/.net emails, 100.64.0.0/10 addresses, 07700 900xxx numbers;
- logins and usage skewed (a few users log in very often), 4% of logins failed,
  some on unknown accounts; bursts of failed logins on accounts (ACC-003) and on
  IP addresses (ACC-004), and a few logins after closure or deletion (ACC-001/002);
- closed organisations, most past the 28 days (RET-001), demo and trial ones with
  old last contact (RET-002), soft-deleted users;
- opt-outs honoured, except 1 message in 300 sent after one (COM-001);
- subject requests open past their deadline or answered late (SAR-001/002),
  erasures whose user is still held (RET-003); processors never assessed or not
  reviewed (TPP-001/002); user lists opened by non-admins of the org (ACC-005).
"""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from insight_workbench.atomic import reported_write_errors, staged_folder
from insight_workbench.errors import InputError
from insight_workbench.loading.lockdown import settings_from_env
from insight_workbench.loading.manifest import PRESET_FILE, write_manifest
from insight_workbench.progress import OnStep, Steps
from insight_workbench.sample.earlier import check_earlier

# DuckDB's memory while generating (INSIGHT_MEMORY_LIMIT wins), the rest spilled to a
# folder under INSIGHT_TEMP_DIR or the system's: without a limit, scale 2 takes 13 GB.
MEMORY_LIMIT = "3GB"
BASE_COUNTS = {
    "orgs": 2_000,
    "users": 200_000,
    "logins": 10_000_000,
    "events": 30_000_000,
    "messages": 1_000_000,
    "requests": 2_000,
    "views": 50_000,
    "account_bursts": 40,
    "ip_bursts": 15,
}
EXPORTED_AT = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
DAYS = 365
SCALES = (0.01, 8.0)
TABLE_ORDER = {  # table: how its rows are ordered in the file
    "organisations": "org_id",
    "users": "user_id",
    "logins": "n",  # n: the row's number in time order, which its id carries
    "usage_events": "n",
    "communications": "n",
    "preferences": "user_id, changed_at",
    "subject_requests": "request_id",
    "processors": "processor_id",
    "admin_views": "n",
}
TIMESTAMPS = {
    "organisations": ("created_at", "closed_at", "last_contact_at"),
    "users": ("created_at", "deleted_at"),
    "logins": ("ts",),
    "usage_events": ("ts",),
    "communications": ("sent_at",),
    "preferences": ("changed_at",),
    "subject_requests": ("received_at", "completed_at"),
    "admin_views": ("ts",),
}


def generate_large(
    out: Path,
    seed: int = 7,
    scale: float = 1.0,
    fmt: str = "parquet",
    on_step: OnStep | None = None,
) -> Path:
    """Write the large snapshot into `out` (empty, new, or an earlier large sample);
    `on_step` hears of each table once written, then of the manifest."""
    if not SCALES[0] <= scale <= SCALES[1]:
        raise InputError(f"--scale: must be between {SCALES[0]} and {SCALES[1]}")
    if fmt not in ("csv", "parquet"):
        raise InputError("--format: must be csv or parquet")
    if seed < 0:
        raise InputError("--seed: must be a whole number >= 0")
    out = Path(out)
    check_earlier(out, PRESET_FILE, "no large sample", "the large sample")
    counts = {name: max(1, round(n * scale)) for name, n in BASE_COUNTS.items()}
    settings = settings_from_env()
    # Written beside `out` (or inside an earlier one) and swapped in once complete, as the
    # sample is: a failure or a Ctrl-C leaves `out` as it was.
    with (
        reported_write_errors(out),
        staged_folder(out, existing="replace") as stage,
        tempfile.TemporaryDirectory(prefix="insight-large-", dir=settings.temp_dir) as spill,
    ):
        steps = Steps(len(TABLE_ORDER) + 1, on_step)
        _generate(stage, seed, counts, fmt, settings.memory_limit or MEMORY_LIMIT, spill, steps)
        write_manifest(stage, EXPORTED_AT, f"large-x{scale:g}-seed{seed}")
        steps.finished("manifest.json")
        preset = {"preset": "large", "scale": scale, "seed": seed, "format": fmt, "counts": counts}
        (stage / PRESET_FILE).write_text(json.dumps(preset, indent=2) + "\n", encoding="utf-8")
    return out


def _generate(
    out: Path,
    seed: int,
    counts: dict[str, int],
    fmt: str,
    memory_limit: str,
    spill: str,
    steps: Steps,
) -> None:
    """Sorting tens of millions of rows by time needs room: what does not fit in
    `memory_limit` goes to the spill folder."""
    con = duckdb.connect(
        config={
            "preserve_insertion_order": True,
            "memory_limit": memory_limit,
            "temp_directory": spill,
        }
    )
    try:
        con.execute("SET TimeZone = 'UTC'")
        _define(con, seed, counts)
        # The big tables are views, computed once as they are written: memory holds only
        # the organisations, users and opt-outs.
        for statement in _STATEMENTS:
            con.execute(statement)
        for table, order in TABLE_ORDER.items():
            _copy(con, table, order, out / f"{table}.{fmt}", fmt)
            steps.finished(table)
    finally:
        con.close()


def _define(con: duckdb.DuckDBPyConnection, seed: int, counts: dict[str, int]) -> None:
    """Macros: the counts, the export's clock (epoch seconds) and uniform randoms."""
    end = int(EXPORTED_AT.timestamp())
    constants = {**{f"n_{k}": v for k, v in counts.items()}, "t_end": end}
    constants["t_start"] = end - DAYS * 86_400
    for name, value in constants.items():
        con.execute(f"CREATE MACRO {name}() AS {int(value)}")
    # A uniform number in [0, 1) for row `i` and purpose `salt`: same seed, same value.
    con.execute(f"CREATE MACRO rnd(i, salt) AS (hash(i, salt, {int(seed)}) >> 11) / 2.0 ** 53")
    # Exports carry whole seconds: the CSV and Parquet forms then hold the same instants.
    con.execute(
        "CREATE MACRO ts(s) AS make_timestamp(CAST(floor(s) AS BIGINT) * 1000000)::TIMESTAMPTZ"
    )
    con.execute(
        "CREATE MACRO pad(prefix, n, width) AS prefix || lpad(CAST(n AS VARCHAR), width, '0')"
    )
    con.execute("CREATE MACRO pick(list, r) AS list[1 + CAST(floor(r * len(list)) AS INTEGER)]")
    # Addresses only from 100.64.0.0/10 (shared address space) and telephone numbers only
    # from the range set aside for drama: nothing that could be a real person's.
    con.execute(
        "CREATE MACRO address(i, salt) AS concat_ws('.', 100, 64 + hash(i, salt, 1) % 64, "
        "hash(i, salt, 2) % 256, 1 + hash(i, salt, 3) % 254)"
    )
    # A user for row `i`, skewed: low ranks are chosen far more often; the rank is then
    # permuted (multiplying by a prime larger than any count) so heavy users are spread
    # over the organisations.
    con.execute(
        "CREATE MACRO skewed_user(i, salt) AS "
        "(CAST(floor(n_users() * pow(rnd(i, salt), 2)) AS BIGINT) * 1000003 + 17) % n_users()"
    )


_STATEMENTS = (
    # Organisations: 83% active, 8% closed, 5% trial, 4% demo.
    """
    CREATE TABLE o AS
    SELECT i, pad('O', i, 6) AS org_id, 'Organisation ' || i AS name,
           pick(['local_insight', 'community_insight', 'value_insight'], rnd(i, 2)) AS product,
           CASE WHEN r < 0.08 THEN 'closed' WHEN r < 0.13 THEN 'trial'
                WHEN r < 0.17 THEN 'demo' ELSE 'active' END AS status,
           t_start() - rnd(i, 3) * 1500 * 86400 AS created_s,
           CASE WHEN r < 0.08 THEN t_end() - (5 + rnd(i, 4) * 300) * 86400 END AS closed_s,
           CASE WHEN r >= 0.08 AND r < 0.17 THEN t_end() - rnd(i, 5) * 200 * 86400
                END AS contact_s
    FROM (SELECT i, rnd(i, 1) AS r FROM range(n_orgs()) AS t(i))
    """,
    """
    CREATE TABLE organisations AS
    SELECT org_id, name, product, status, ts(created_s) AS created_at,
           CASE WHEN status IN ('active', 'closed')
                THEN CAST(ts(created_s + 14 * 86400) AS DATE) END AS subscription_start,
           ts(closed_s) AS closed_at, ts(contact_s) AS last_contact_at
    FROM o
    """,
    # Users: big organisations have many; 5% group admins, 3% soft-deleted. Each user is
    # active from creation (or the window's start) to closure, deletion or the export.
    """
    CREATE TABLE u AS
    SELECT *, greatest(created_s, t_start()) AS from_s,
           least(coalesce(closed_s, t_end()), coalesce(deleted_s, t_end()), t_end()) AS to_s
    FROM (
        SELECT *, CASE WHEN rnd(i, 12) < 0.03
                  THEN created_s + rnd(i, 13) * (t_end() - created_s) END AS deleted_s
        FROM (
            SELECT u.i, pad('U', u.i, 7) AS user_id, o.org_id, o.product, o.closed_s,
                   o.created_s + rnd(u.i, 11)
                       * (coalesce(o.closed_s, t_end()) - o.created_s) AS created_s,
                   CASE WHEN rnd(u.i, 14) < 0.05 THEN 'group_admin' ELSE 'user' END AS role,
                   address(u.i, 'home') AS home_ip
            FROM (SELECT i, CAST(floor(n_orgs() * pow(rnd(i, 10), 1.6)) AS BIGINT) AS org_index
                  FROM range(n_users()) AS t(i)) AS u
            JOIN o ON o.i = u.org_index
        )
    )
    """,
    """
    CREATE TABLE users AS
    SELECT user_id, org_id, 'User ' || i AS name, 'user' || i || '@example.org' AS email,
           CASE WHEN rnd(i, 15) < 0.6 THEN '07700 900' || lpad(CAST(i % 1000 AS VARCHAR), 3, '0')
                END AS telephone,
           role, ts(created_s) AS created_at, ts(deleted_s) AS deleted_at
    FROM u
    """,
    # Opt-outs: 12% of users leave promotional, a fifth of them come back; 5% leave
    # product_update. Times within the user's active period.
    """
    CREATE TABLE p AS
    SELECT i, user_id, category, out_s,
           CASE WHEN category = 'promotional' AND rnd(i, 23) < 0.2
                THEN out_s + rnd(i, 24) * (t_end() - out_s) END AS back_s,
           pick(['unsubscribe_link', 'support_request', 'settings'], rnd(i, 25)) AS channel
    FROM (
        SELECT i, user_id, category, from_s + rnd(i, 22) * (to_s - from_s) AS out_s
        FROM u, (VALUES ('promotional', 0.12), ('product_update', 0.05)) AS c(category, share)
        WHERE rnd(i, category) < share AND to_s > from_s
    )
    """,
    """
    CREATE TABLE preferences AS
    SELECT user_id, ts(out_s) AS changed_at, category, true AS opted_out, channel FROM p
    UNION ALL
    SELECT user_id, ts(back_s), category, false, 'settings' FROM p WHERE back_s IS NOT NULL
    """,
    # Logins: a user's login falls in their active period; 4% fail, a tenth of those on
    # an unknown account; 85% from the user's usual address.
    """
    CREATE VIEW l_background AS
    SELECT i, ts_s, CASE WHEN ok OR rnd(i, 32) >= 0.1 THEN user_id END AS user_id, ok AS success,
           CASE WHEN rnd(i, 33) < 0.85 THEN home_ip
                ELSE address(i, 'away') END AS ip,
           CASE WHEN rnd(i, 34) >= 0.05 THEN pick([
               'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/130.0',
               'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15',
               'Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Firefox/131.0',
               'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) Mobile Safari',
               'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Edg/130.0'], rnd(i, 35))
               END AS user_agent,
           CASE WHEN rnd(i, 36) < 0.4 THEN pick(['https://www.google.com/',
               'https://mail.example.org/', 'intranet.example.gov.uk', 'https://www.bing.com/'],
               rnd(i, 37)) END AS referrer
    FROM (
        SELECT l.i, u.from_s + rnd(l.i, 31) * (u.to_s - u.from_s) AS ts_s, u.user_id,
               rnd(l.i, 30) >= 0.04 AS ok, u.home_ip
        FROM (SELECT i, skewed_user(i, 29) AS k FROM range(n_logins()) AS t(i)) AS l
        JOIN u ON u.i = l.k
        WHERE u.to_s > u.from_s
    )
    """,
    # Bursts: 12 failures 50 s apart on an account (ACC-003); 25 failures 30 s apart from
    # one address on many accounts (ACC-004); a success after closure or deletion.
    """
    CREATE VIEW l_account_bursts AS
    SELECT n_logins() + b * 100 + k, start_s + k * 50, user_id, false, home_ip, NULL, NULL
    FROM (SELECT b, u.user_id, u.home_ip, u.from_s + rnd(b, 41) * (u.to_s - u.from_s) AS start_s
          FROM range(n_account_bursts()) AS t(b)
          JOIN u ON u.i = CAST(floor(rnd(b, 40) * n_users()) AS BIGINT)
          WHERE u.to_s > u.from_s + 3600),
         range(12) AS r(k)
    """,
    """
    CREATE VIEW l_address_bursts AS
    SELECT n_logins() + 1000000 + b * 100 + k, start_s + k * 30,
           CASE WHEN k % 4 = 0 THEN NULL ELSE pad('U', hash(b, k) % n_users(), 7) END,
           false, '198.51.100.' || (1 + b % 250), NULL, NULL
    FROM (SELECT b, t_start() + rnd(b, 42) * (t_end() - t_start() - 3600) AS start_s
          FROM range(n_ip_bursts()) AS t(b)),
         range(25) AS r(k)
    """,
    """
    CREATE VIEW l_after_end AS
    SELECT n_logins() + 2000000 + i, to_s + 3600 + rnd(i, 44) * 86400, user_id, true,
           home_ip, NULL, NULL
    FROM u
    WHERE to_s < t_end() - 2 * 86400 AND rnd(i, 43) < 0.002
    """,
    """
    CREATE VIEW l AS
    SELECT * FROM l_background UNION ALL SELECT * FROM l_account_bursts
    UNION ALL SELECT * FROM l_address_bursts UNION ALL SELECT * FROM l_after_end
    """,
    """
    CREATE VIEW logins AS
    SELECT row_number() OVER (ORDER BY ts_s, i) AS n,
           pad('L', n, 9) AS login_id, ts(ts_s) AS ts,
           user_id, success, ip, user_agent, referrer
    FROM l
    """,
    # Usage events: skewed like logins; the product is the organisation's.
    """
    CREATE VIEW usage_events AS
    SELECT row_number() OVER (ORDER BY ts_s, i) AS n,
           pad('E', n, 10) AS event_id, ts(ts_s) AS ts,
           user_id, product,
           CASE WHEN r < 0.6 THEN 'page_view' WHEN r < 0.8 THEN 'report_run'
                WHEN r < 0.95 THEN 'map_view' ELSE 'download' END AS event_type
    FROM (
        SELECT e.i, u.from_s + rnd(e.i, 51) * (u.to_s - u.from_s) AS ts_s, u.user_id,
               u.product, rnd(e.i, 52) AS r
        FROM (SELECT i, skewed_user(i, 50) AS k FROM range(n_events()) AS t(i)) AS e
        JOIN u ON u.i = e.k
        WHERE u.to_s > u.from_s
    )
    """,
    # Messages: opt-outs are honoured, except one message in 300 (COM-001).
    """
    CREATE VIEW communications AS
    SELECT row_number() OVER (ORDER BY sent_s, i) AS n,
           pad('M', n, 9) AS message_id, user_id,
           ts(sent_s) AS sent_at, category
    FROM (
        SELECT m.i, u.user_id, u.from_s + rnd(m.i, 61) * (u.to_s - u.from_s) AS sent_s,
               pick(['technical', 'administrative', 'billing', 'service_notice',
                     'product_update', 'product_update', 'promotional', 'promotional',
                     'promotional'], rnd(m.i, 62)) AS category
        FROM range(n_messages()) AS m(i)
        JOIN u ON u.i = CAST(floor(rnd(m.i, 60) * n_users()) AS BIGINT)
        WHERE u.to_s > u.from_s
    ) AS m
    WHERE rnd(i, 63) < 1 / 300 OR NOT EXISTS (
        SELECT 1 FROM p
        WHERE p.user_id = m.user_id AND p.category = m.category
          AND m.sent_s >= p.out_s AND (p.back_s IS NULL OR m.sent_s < p.back_s)
    )
    """,
    # Subject requests over the last 400 days: old ones mostly answered, some late,
    # some still open; 85% match an account.
    """
    CREATE TABLE subject_requests AS
    SELECT pad('R', i, 6) AS request_id, ts(received_s) AS received_at,
           coalesce('user' || k || '@example.org', 'requester' || i || '@example.net')
               AS requester_email,
           pad('U', k, 7) AS user_id,
           pick(['access', 'access', 'access', 'access', 'access', 'erasure', 'erasure',
                 'erasure', 'rectification', 'confirmation'], rnd(i, 72)) AS type,
           status,
           CASE WHEN status = 'completed'
                THEN ts(least(received_s + (2 + rnd(i, 74) * 40) * 86400, t_end() - 60)) END
               AS completed_at,
           rnd(i, 75) < 0.05 AS extended
    FROM (
        SELECT i, received_s,
               CASE WHEN rnd(i, 71) < 0.85 THEN CAST(floor(rnd(i, 70) * n_users()) AS BIGINT)
                    END AS k,
               CASE WHEN t_end() - received_s < 30 * 86400
                    THEN CASE WHEN r < 0.8 THEN 'open' ELSE 'completed' END
                    WHEN r < 0.85 THEN 'completed' WHEN r < 0.89 THEN 'refused'
                    WHEN r < 0.93 THEN 'withdrawn' ELSE 'open' END AS status
        FROM (SELECT i, t_end() - rnd(i, 76) * 400 * 86400 AS received_s, rnd(i, 73) AS r
              FROM range(n_requests()) AS t(i))
    )
    """,
    """
    CREATE TABLE processors AS
    SELECT pad('P', i, 3) AS processor_id, 'Processor ' || i AS name,
           pick(['hosting', 'email_delivery', 'support_desk', 'payments', 'analytics'],
                rnd(i, 80)) AS service,
           pick(['name;email', 'email', 'name;email;ip', 'ip'], rnd(i, 81)) AS data_categories,
           DATE '2020-01-01' + CAST(i * 60 AS INTEGER) AS contract_start,
           CASE WHEN i % 7 = 3 THEN NULL
                WHEN i % 11 = 5 THEN DATE '2020-02-01' + CAST(i * 60 AS INTEGER)
                ELSE DATE '2019-12-01' + CAST(i * 60 AS INTEGER) END AS assessment_date,
           CASE WHEN i % 7 <> 3 THEN DATE '2026-11-01' - CAST(rnd(i, 82) * 500 AS INTEGER) END
               AS last_review_date
    FROM range(24) AS t(i)
    """,
    # User lists opened by group admins, 1 in 2,000 of another organisation's (ACC-005).
    """
    CREATE VIEW admin_views AS
    WITH admins AS (
        SELECT row_number() OVER (ORDER BY i) - 1 AS k, user_id, org_id, from_s, to_s
        FROM u WHERE role = 'group_admin' AND to_s > from_s
    )
    SELECT row_number() OVER (ORDER BY ts_s, i) AS n,
           pad('V', n, 8) AS view_id, ts(ts_s) AS ts,
           user_id AS viewer_user_id, org_id
    FROM (
        SELECT v.i, a.from_s + rnd(v.i, 91) * (a.to_s - a.from_s) AS ts_s, a.user_id,
               CASE WHEN rnd(v.i, 92) < 0.0005 THEN pad('O', hash(v.i) % n_orgs(), 6)
                    ELSE a.org_id END AS org_id
        FROM range(n_views()) AS v(i)
        JOIN admins AS a ON a.k = CAST(floor(rnd(v.i, 90) * (SELECT count(*) FROM admins))
                                       AS BIGINT)
    )
    """,
)


def _copy(con: duckdb.DuckDBPyConnection, table: str, order: str, path: Path, fmt: str) -> None:
    """Write one table: Parquet with native types, or CSV with ISO 8601 UTC timestamps."""
    columns = [row[0] for row in con.execute(f"DESCRIBE {table}").fetchall() if row[0] != "n"]
    stamped = TIMESTAMPS.get(table, ())
    if fmt == "csv":
        shown = [
            f"strftime({c}, '%Y-%m-%dT%H:%M:%SZ') AS {c}" if c in stamped else c for c in columns
        ]
        options = "FORMAT csv, HEADER true"
    else:
        shown = columns
        options = "FORMAT parquet, COMPRESSION zstd"
    target = str(path).replace("'", "''")
    con.execute(
        f"COPY (SELECT {', '.join(shown)} FROM {table} ORDER BY {order}) TO '{target}' ({options})"
    )
