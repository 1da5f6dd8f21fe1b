"""Four monthly snapshots in which organisations and an erasure request's person are
deleted, on time, late, never, or held again after a first deletion (shared by the
deletion-evidence, `evidence` command and compliance-pack tests).

| key        | due (RET rule)               | held in        | record                          |
|------------|------------------------------|----------------|---------------------------------|
| org:O1     | 2026-09-29T10:00Z (RET-001)  | Sep, Oct       | late: cleared 3 Nov, 35 days    |
| org:O2     | 2026-10-08T09:00Z (RET-001)  | Sep            | on time: cleared 1 Oct          |
| org:O3     | 2026-09-17T00:00Z (RET-001)  | every month    | none: still held                |
| org:O4     | 2026-10-03T12:00Z (RET-001)  | Sep, Nov       | late: cleared 1 Dec, 59 days    |
| org:O7     | 2026-10-01T02:00Z (RET-001)  | Sep            | on time: cleared at the due     |
| org:O8     | 2026-10-01T01:59:59Z         | Sep            | late by one second: 1 day       |
| org:O6     | none (active)                | Sep            | none: no due date               |
| request:R1 | 2026-09-20T15:00Z (RET-003)  | Sep, Oct       | late: cleared 3 Nov, 44 days    |

`org:O5` (active) is held every month through another user: no record either.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from insight_workbench.ledger import chain
from insight_workbench.ledger.database import open_ledger, writing
from insight_workbench.ledger.runs import record_run
from insight_workbench.ledger.tables import decisions
from insight_workbench.rules.runner import CheckResult
from insight_workbench.testing import build_snapshot

CREATED = "2025-01-01T00:00:00Z"
MONTHS = {  # snapshot id: exported_at
    "2026-09": "2026-09-15T02:00:00Z",
    "2026-10": "2026-10-01T02:00:00Z",
    "2026-11": "2026-11-03T02:00:00Z",
    "2026-12": "2026-12-01T02:00:00Z",
}
CLOSED = {
    "O1": "2026-09-01T10:00:00Z",
    "O2": "2026-09-10T09:00:00Z",
    "O3": "2026-08-20T00:00:00Z",
    "O4": "2026-09-05T12:00:00Z",
    "O7": "2026-09-03T02:00:00Z",
    "O8": "2026-09-03T01:59:59Z",
}
HELD = {  # user: the months whose snapshot still holds their rows
    "U1": {"2026-09", "2026-10"},
    "U2": {"2026-09"},
    "U3": set(MONTHS),
    "U4": {"2026-09", "2026-11"},
    "U5": {"2026-09", "2026-10"},  # the person of erasure request R1
    "U55": set(MONTHS),  # keeps org:O5 held
    "U6": {"2026-09"},
    "U7": {"2026-09"},
    "U8": {"2026-09"},
}
ORG_OF = {"U1": "O1", "U2": "O2", "U3": "O3", "U4": "O4", "U5": "O5", "U55": "O5"}
ORG_OF |= {"U6": "O6", "U7": "O7", "U8": "O8"}


def _org(org_id: str) -> dict[str, Any]:
    closed = CLOSED.get(org_id)
    return {
        "org_id": org_id,
        "name": f"Org {org_id}",
        "product": "value_insight",
        "status": "closed" if closed else "active",
        "created_at": CREATED,
        "closed_at": closed,
    }


def _user(user_id: str) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "org_id": ORG_OF[user_id],
        "name": "Sam Roe",
        "email": f"{user_id.lower()}@example.org",
        "role": "user",
        "created_at": CREATED,
    }


def _login(n: int, user_id: str) -> dict[str, Any]:
    return {
        "login_id": f"L{n}",
        "ts": "2026-08-01T09:00:00Z",
        "user_id": user_id,
        "success": True,
        "ip": "192.0.2.1",
    }


ERASURE = {
    "request_id": "R1",
    "received_at": "2026-09-10T09:00:00Z",
    "requester_email": "u5@example.org",
    "type": "erasure",
    "status": "completed",
    "extended": False,
    "user_id": "U5",
    "completed_at": "2026-09-20T15:00:00Z",
}


def tables(month: str) -> dict[str, list[dict[str, Any]]]:
    users = [user for user, months in HELD.items() if month in months]
    logins = [_login(n, user) for n, user in enumerate(users) if user in ("U1", "U4", "U5")]
    logins += [_login(100 + n, "U1") for n in range(2) if "U1" in users]  # O1: 3 logins
    return {
        "organisations": [_org(org) for org in sorted(set(ORG_OF.values()))],
        "users": [_user(user) for user in users],
        "logins": logins,
        "subject_requests": [ERASURE],
    }


def build_months(folder: Path) -> dict[str, Path]:
    """The four snapshots, each in `folder/<month>`, by month."""
    return {
        month: build_snapshot(folder / month, tables(month), exported_at=exported_at)
        for month, exported_at in MONTHS.items()
    }


OUT_OF_ORDER = ["2026-11", "2026-09", "2026-12", "2026-10"]  # recorded in this order


def record(setting: str, checked: dict[str, CheckResult], months: list[str]) -> None:
    """Record the checks of `months`, in that order, in the ledger `setting`."""
    ledger = open_ledger(setting)
    for month in months:
        record_run(ledger, checked[month], source="cli", by="dpo")


def expected_records(checked: dict[str, CheckResult]) -> list[dict[str, Any]]:
    """The register of the four months, as `evidence --format json` writes it."""

    def sha(month: str) -> str:
        return checked[month].snapshot.manifest.checksum

    def at(month: str) -> str:
        return checked[month].snapshot.manifest.exported_at_iso

    def entry(
        key: str, rule: str, due: str, held: str, rows: dict[str, int], clear: str, late: int | None
    ) -> dict[str, Any]:
        return {
            "key": key,
            "rule": rule,
            "due": due,
            "last_held": {"exported_at": at(held), "manifest_sha256": sha(held), "rows": rows},
            "first_clear": {
                "exported_at": at(clear),
                "manifest_sha256": sha(clear),
                "quarantined_rows": {},  # every run ran DQ-001, and nothing was quarantined
            },
            "verdict": "on_time" if late is None else "late",
            "late_by_days_at_most": late,
            "not_covered": None,
        }

    one_user = {"users": 1}
    return [
        # due 29 Sep 10:00, gone by 3 Nov 02:00: 34 days 16 hours late, at most 35 days
        entry("org:O1", "RET-001", "2026-09-29T10:00:00Z", "2026-10", {"logins": 3, "users": 1},
              "2026-11", 35),
        entry("org:O2", "RET-001", "2026-10-08T09:00:00Z", "2026-09", one_user, "2026-10", None),
        # cleared in October, held again in November, cleared in December: the latest counts
        entry("org:O4", "RET-001", "2026-10-03T12:00:00Z", "2026-11", {"logins": 1, "users": 1},
              "2026-12", 59),
        # gone exactly at the due instant: on time; one second after it: late by a day
        entry("org:O7", "RET-001", "2026-10-01T02:00:00Z", "2026-09", one_user, "2026-10", None),
        entry("org:O8", "RET-001", "2026-10-01T01:59:59Z", "2026-09", one_user, "2026-10", 1),
        # the erasure request completed 20 Sep 15:00; its person's rows gone by 3 Nov
        entry("request:R1", "RET-003", "2026-09-20T15:00:00Z", "2026-10",
              {"logins": 1, "users": 1}, "2026-11", 44),
    ]  # fmt: skip


def build_quarantining(folder: Path, month: str, user: str) -> Path:
    """`month`'s snapshot, in `folder/<month>`, with `user`'s row back but quarantined (an
    unparsable `created_at`) and one login of theirs with a timestamp that is none: the
    export holds the person again, yet the workbench loads none of it."""
    rows = tables(month)
    rows["users"].append({**_user(user), "created_at": "not a date"})
    rows["logins"].append({**_login(900, user), "ts": "yesterday"})
    return build_snapshot(folder / month, rows, exported_at=MONTHS[month])


def build_request_quarantined(folder: Path, month: str) -> Path:
    """`month`'s snapshot with the erasure request's person back, and the request's own
    row quarantined (an unparsable `received_at`): no loaded row names them any more."""
    rows = tables(month)
    rows["users"].append(_user(ERASURE["user_id"]))
    rows["subject_requests"] = [{**ERASURE, "received_at": "not a date"}]
    return build_snapshot(folder / month, rows, exported_at=MONTHS[month])


def decide(setting: str, key: str, action: str, **fields: str) -> None:
    """Append one decision about `key` (RET-001) to the ledger's chained decisions."""
    values = {"rule": "RET-001", "key": key, "action": action, "by": "dpo@example.org"}
    values |= {"at": "2026-11-04T09:00:00.000000Z", **fields}
    with writing(open_ledger(setting)) as connection:
        chain.append(connection, decisions, values)
