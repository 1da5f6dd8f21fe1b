"""The synthetic sample snapshot: realistic background data plus planted violations.

`generate_sample` writes a snapshot that follows docs/snapshot-format.md, with
`manifest.json` and `planted.json` (the exact findings `check` must report with the
default policy at `exported_at`). The same seed and options give the same bytes.
See docs/sample.md for what is planted and why.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

from insight_workbench.atomic import reported_write_errors, staged_folder
from insight_workbench.errors import InputError
from insight_workbench.loading.manifest import PLANTED_FILE, write_manifest
from insight_workbench.progress import OnStep, Steps
from insight_workbench.sample import planted, processors, subject_requests
from insight_workbench.sample.activity import Sessions, campaigns, messages, null_user_failures
from insight_workbench.sample.datasets import write_datasets
from insight_workbench.sample.earlier import check_earlier
from insight_workbench.sample.orgs import FIRST_STATUSES, PLANTED_ORGS, build_world
from insight_workbench.sample.timekeeping import (
    DAY,
    EXPORTED_AT,
    EXPORTED_AT_ISO,
    is_working_day,
    iso,
)
from insight_workbench.sample.world import Pending, World
from insight_workbench.sample.writer import Plants, TableWriter, write_rows

LIMITS = {
    "orgs": (len(PLANTED_ORGS) + len(FIRST_STATUSES), 5_000),
    "users": (200, 900_000),
    "days": (30, 1_500),
}
STREAMED = {  # table: (columns, id prefix, id width)
    "logins": (("login_id", "ts", "user_id", "success", "ip", "user_agent", "referrer"), "L", 9),
    "usage_events": (("event_id", "ts", "user_id", "product", "event_type"), "E", 10),
    "communications": (("message_id", "user_id", "sent_at", "category"), "M", 9),
    "preferences": (("user_id", "changed_at", "category", "opted_out", "channel"), None, 0),
    "admin_views": (("view_id", "ts", "viewer_user_id", "org_id"), "V", 8),
}


# What `generate_sample` reports to `on_step`, in order, once each is written.
WRITTEN = (
    "organisations",
    "users",
    *STREAMED,
    "subject_requests",
    "processors",
    "deidentified",
    "manifest.json",
)


def generate_sample(
    out: Path,
    seed: int = 7,
    orgs: int = 40,
    users: int = 400,
    days: int = 240,
    fmt: str = "csv",
    on_step: OnStep | None = None,
) -> Path:
    """Write the sample snapshot into `out` (empty, new, or an earlier sample) and return it;
    `on_step` hears of each table (then the datasets and the manifest) once written."""
    check_options(seed, orgs, users, days, fmt)
    steps = Steps(len(WRITTEN), on_step)
    out = Path(out)
    check_folder(out)
    # Written into a temporary folder beside `out` and swapped in once complete: a
    # failure (a full disk) leaves `out` as it was, with nothing half-written.
    with reported_write_errors(out), staged_folder(out, existing="replace") as stage:
        _generate(stage, seed, orgs, users, days, fmt, steps)
    return out


def _generate(
    out: Path, seed: int, orgs: int, users: int, days: int, fmt: str, steps: Steps
) -> None:
    world = build_world(seed, orgs, users, days)
    plants = Plants()
    request_list = _plant(world, plants, seed)
    request_list += subject_requests.background_requests(
        random.Random(f"{seed}/requests"), world, max(12, users // 20)
    )
    _write_organisations(out, world, fmt, plants)
    steps.finished("organisations")
    _write_users(out, world, fmt, plants, seed)
    steps.finished("users")
    _stream_activity(out, world, fmt, plants, seed)
    for table in STREAMED:  # written side by side, in one pass over the users
        steps.finished(table)
    rows, tags = subject_requests.request_rows(request_list, plants)
    write_rows(out, "subject_requests", subject_requests.COLUMNS, rows, fmt, plants, tags)
    steps.finished("subject_requests")
    rows, tags = processors.processor_rows(plants)
    write_rows(out, "processors", processors.PROCESSOR_COLUMNS, rows, fmt, plants, tags)
    steps.finished("processors")
    write_datasets(out, fmt, plants, seed, world)
    steps.finished("deidentified")
    exported = datetime.fromtimestamp(EXPORTED_AT, UTC)
    write_manifest(out, exported, f"sample-seed{seed}")
    steps.finished("manifest.json")
    document = {
        "seed": seed,
        "orgs": orgs,
        "users": users,
        "days": days,
        "format": fmt,
        "exported_at": EXPORTED_AT_ISO,
        "findings": plants.as_list(),
    }
    (out / PLANTED_FILE).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def check_options(seed: int, orgs: int, users: int, days: int, fmt: str) -> None:
    if seed < 0:
        raise InputError("--seed: must be a whole number >= 0")
    for name, value in (("orgs", orgs), ("users", users), ("days", days)):
        low, high = LIMITS[name]
        if not low <= value <= high:
            raise InputError(f"--{name}: must be between {low} and {high}")
    if users < 3 * orgs:
        raise InputError("--users: must be at least three times --orgs")
    if fmt not in ("csv", "parquet"):
        raise InputError("--format: must be csv or parquet")


def check_folder(out: Path) -> None:
    """Refuse to mix the sample with other files: `out` must be empty, new, or an earlier
    sample (it has planted.json and only files the sample writes), which is replaced."""
    check_earlier(out, PLANTED_FILE, "no earlier sample", "the sample")


def _plant(world: World, plants: Plants, seed: int) -> list[subject_requests.Request]:
    actors = planted.Actors(random.Random(f"{seed}/actors"), world)
    planted.plant_organisations(world, plants)
    planted.plant_access(world, actors, plants)
    planted.plant_communications(actors)
    erased = planted.plant_leftovers(world, plants)["erased_with_request"]
    request_list = subject_requests.planted_requests(actors, erased)
    planted.plant_bad_rows(actors)
    planted.plant_cases(world, actors, plants)  # the cases registered with @plant
    return request_list


def _write_organisations(out: Path, world: World, fmt: str, plants: Plants) -> None:
    rows = [
        [
            o.org_id,
            o.name,
            o.product,
            o.status,
            iso(o.created_at),
            o.subscription_start or "",
            iso(o.closed_at) if o.closed_at else "",
            iso(o.last_contact_at) if o.last_contact_at else "",
        ]
        for o in world.orgs
    ]
    columns = (
        "org_id",
        "name",
        "product",
        "status",
        "created_at",
        "subscription_start",
        "closed_at",
        "last_contact_at",
    )
    write_rows(out, "organisations", columns, rows, fmt, plants)


def _write_users(out: Path, world: World, fmt: str, plants: Plants, seed: int) -> None:
    """Users, with the platform's password hashes exported by mistake (SEC-001)."""
    rng = random.Random(f"{seed}/hashes")
    alphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    rows = []
    for u in world.users:
        if not u.held:
            continue
        digest = "$2b$12$" + "".join(rng.choice(alphabet) for _ in range(53))
        rows.append(
            [
                u.user_id,
                u.org.org_id,
                u.name,
                u.email,
                u.telephone or "",
                u.role,
                iso(u.created_at),
                iso(u.deleted_at) if u.deleted_at else "",
                digest,
            ]
        )
    columns = (
        "user_id",
        "org_id",
        "name",
        "email",
        "telephone",
        "role",
        "created_at",
        "deleted_at",
        "password_hash",
    )
    write_rows(out, "users", columns, rows, fmt, plants)
    plants.add("SEC-001", "column:users:password_hash")


def _stream_activity(out: Path, world: World, fmt: str, plants: Plants, seed: int) -> None:
    """Write the five per-user tables in one pass over the users, batch by batch."""
    rng = random.Random(f"{seed}/activity")
    working = {
        day: is_working_day(day)
        for day in range(world.window_start // DAY - 1, EXPORTED_AT // DAY + 2)
    }
    sessions = Sessions(rng, world.window_start, working)
    mailings = campaigns(world.window_start)
    writers = {
        table: TableWriter(out, table, columns, fmt, plants, prefix, width)
        for table, (columns, prefix, width) in STREAMED.items()
    }
    for user in world.users:
        produced = sessions.run(user)
        produced["communications"] += messages(user, mailings, world.window_start)
        produced["preferences"] = [
            (t, [user.user_id, iso(t), category, "true" if out_ else "false", channel], None)
            for t, category, out_, channel in user.preferences
        ]
        for table, extra in user.extra.items():
            produced[table] += extra
        for table, writer in writers.items():
            _write_sorted(writer, produced[table])
    _write_sorted(
        writers["logins"], world.unattached_logins + null_user_failures(rng, world.window_start)
    )
    for writer in writers.values():
        writer.close()


def _write_sorted(writer: TableWriter, rows: list[Pending]) -> None:
    for _t, cells, tag in sorted(rows, key=lambda row: row[0]):
        writer.write(cells, tag)
