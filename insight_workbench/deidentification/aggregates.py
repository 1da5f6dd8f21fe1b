"""Aggregate datasets an analyst or partner may keep: computed in DuckDB from a
snapshot, small cells removed, each with a `.meta.json` sidecar.

Every row is a group of at least `min_cell` people; a smaller group is left
out rather than shown, so the files pass the workbench's own DEID rules. No
dataset publishes both a total and its parts, so nothing left out can be
recovered by subtraction. A group whose label happens to equal a held
identifier (an org_id equal to some user_id, an event type that is an email or
address) is left out too. Event types are first mapped onto the closed vocabulary
of the analyst data: an unknown type is counted as "other", never named.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from insight_workbench.analyst.vocabulary import EVENT_TYPES, OTHER
from insight_workbench.atomic import write_atomically
from insight_workbench.csvsafe import write_csv
from insight_workbench.errors import InputError
from insight_workbench.loading.snapshot import Snapshot

# Successful logins up to as_of, with the user's organisation and its product.
_LOGINS = """
    SELECT strftime(l.ts, '%Y-%m') AS month, l.user_id, u.org_id, o.product
    FROM logins l JOIN users u ON u.user_id = l.user_id
    JOIN organisations o ON o.org_id = u.org_id
    WHERE l.success AND l.ts <= $as_of"""

# Labels (organisation ids, event types) that must never be published: those equal
# to a held identifier, trimmed and lower-cased. Computed for the few distinct labels.
_IDENTIFIERS = """
    CREATE OR REPLACE TEMP TABLE _labels AS
    SELECT DISTINCT lower(trim(v)) AS v FROM (
        SELECT org_id AS v FROM organisations
        UNION ALL SELECT DISTINCT event_type FROM usage_events) WHERE v IS NOT NULL;
    CREATE OR REPLACE TEMP TABLE _held AS
    SELECT v FROM _labels WHERE v IN (
        SELECT lower(trim(x)) FROM (SELECT user_id AS x FROM users UNION ALL
            SELECT name FROM users UNION ALL SELECT email FROM users))
    UNION SELECT b.v FROM _labels b JOIN logins l ON lower(trim(l.ip)) = b.v;
    CREATE OR REPLACE TEMP TABLE _phones AS
    SELECT DISTINCT regexp_replace(telephone, '[^0-9]', '', 'g') AS digits FROM users
    WHERE length(regexp_replace(telephone, '[^0-9]', '', 'g')) >= 7;
    CREATE OR REPLACE TEMP MACRO _publishable(x) AS
        lower(trim(x)) NOT IN (SELECT v FROM _held)
        AND NOT regexp_matches(x, '[^\\s@]+@[^\\s@]+\\.[^\\s@]+')
        AND NOT regexp_full_match(trim(x), '[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*')
        AND regexp_replace(x, '[^0-9]', '', 'g') NOT IN (SELECT digits FROM _phones);
"""


@dataclass(frozen=True)
class Dataset:
    name: str
    description: str
    quasi_identifiers: tuple[str, ...]
    count_columns: tuple[str, ...]
    sql: str  # $as_of, $min_cell, and $event_types with $other
    labels: tuple[str, ...] = ()  # free-text columns, checked against held identifiers


DATASETS = (
    Dataset(
        "monthly_active_users_by_org",
        "People with a successful login per month, organisation and product.",
        ("month", "org_id", "product"),
        ("active_users",),
        f"""SELECT month, org_id, product, count(DISTINCT user_id) AS active_users
            FROM ({_LOGINS}) GROUP BY ALL HAVING count(DISTINCT user_id) >= $min_cell""",
        labels=("org_id",),
    ),
    Dataset(
        "logins_by_month_product",
        "Successful logins per month and product (groups of at least min_cell people).",
        ("month", "product"),
        (),
        f"""SELECT month, product, count(*) AS logins FROM ({_LOGINS}) GROUP BY ALL
            HAVING count(DISTINCT user_id) >= $min_cell""",
    ),
    Dataset(
        "feature_use_by_month",
        "Usage events and the people behind them per month, product and event type.",
        ("month", "product", "event_type"),
        ("users",),
        """SELECT strftime(ts, '%Y-%m') AS month, product,
                  CASE WHEN list_contains($event_types, lower(trim(event_type)))
                       THEN lower(trim(event_type)) ELSE $other END AS event_type,
                  count(DISTINCT user_id) AS users, count(*) AS events
           FROM usage_events WHERE ts <= $as_of GROUP BY ALL
           HAVING count(DISTINCT user_id) >= $min_cell""",
        labels=("event_type",),
    ),
    Dataset(
        "users_per_organisation",
        "Users (not deleted) per active organisation, by product: the privacy policy's "
        "example of de-identified use.",
        ("product",),
        ("users",),
        """SELECT o.product, count(DISTINCT o.org_id) AS active_organisations,
                  count(u.user_id) AS users,
                  round(count(u.user_id) / count(DISTINCT o.org_id), 2) AS avg_users_per_org
           FROM organisations o LEFT JOIN users u ON u.org_id = o.org_id
                AND u.deleted_at IS NULL
           WHERE o.status = 'active' GROUP BY o.product
           HAVING count(u.user_id) >= $min_cell""",
    ),
)


def deidentify(snapshot: Snapshot, out: Path, as_of: datetime, min_cell: int) -> list[Path]:
    """Write every dataset of `DATASETS` as `<name>.csv` + `<name>.meta.json` into `out`."""
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    cursor = snapshot.cursor()
    written: list[Path] = []
    try:
        cursor.execute(_IDENTIFIERS)
        for dataset in DATASETS:
            params = {
                "as_of": as_of,
                "min_cell": min_cell,
                "event_types": list(EVENT_TYPES),
                "other": OTHER,
            }
            used = {k: v for k, v in params.items() if f"${k}" in dataset.sql}
            keep = " AND ".join(["TRUE", *(f"_publishable({c})" for c in dataset.labels)])
            sql = f"SELECT * FROM ({dataset.sql}) WHERE {keep} ORDER BY ALL"
            result = cursor.execute(sql, used)
            columns = [d[0] for d in result.description or ()]
            written += _write(out, dataset, columns, result.fetchall(), min_cell)
    finally:
        cursor.close()
    return written


def _write(
    out: Path, dataset: Dataset, columns: list[str], rows: list[tuple[Any, ...]], min_cell: int
) -> list[Path]:
    """The dataset through the workbench's CSV writer (labels such as event types are
    text from the export, so formula-like ones are neutralised), then its sidecar."""
    data = write_csv(out / f"{dataset.name}.csv", columns, rows)
    meta = {
        "kind": "aggregate",
        "quasi_identifiers": list(dataset.quasi_identifiers),
        "count_columns": list(dataset.count_columns),
        "description": dataset.description,
        "suppression": f"groups of fewer than {min_cell} people are left out",
    }
    sidecar = out / f"{dataset.name}.meta.json"
    write_atomically(sidecar, (json.dumps(meta, indent=2) + "\n").encode("utf-8"))
    return [data, sidecar]
