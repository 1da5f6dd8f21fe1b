"""`sample --months N`: a series of monthly snapshots and the expected life of its findings.

`generate_series` writes one complete snapshot per month into `<out>/<YYYY-MM>/`
(exported on the 1st of the month at 02:00 UTC, the last one 2026-11-01) and
`<out>/lifecycle.json`: the keys the planted stories (`series_stories.py`) make, the
months each is reported in, its state at the end, the deletions that follow, and
the reviewers' decisions to apply. A few organisations and users a month: small
and fast. The same seed and options give the same bytes.
"""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime
from pathlib import Path

from insight_workbench.atomic import remove_writers_leftovers, reported_write_errors, staged_folder
from insight_workbench.errors import InputError
from insight_workbench.loading.manifest import write_manifest
from insight_workbench.loading.schema import TABLES
from insight_workbench.progress import OnStep, Steps
from insight_workbench.sample.earlier import foreign_file
from insight_workbench.sample.series_lifecycle import lifecycle
from insight_workbench.sample.series_stories import plant_stories
from insight_workbench.sample.series_world import (
    Activity,
    Months,
    SeriesWorld,
    activity,
)
from insight_workbench.sample.timekeeping import DAY, utc_date
from insight_workbench.sample.writer import Plants, write_rows

MONTHS_LIMITS = (1, 36)
LIFECYCLE_FILE = "lifecycle.json"
MONTH_FOLDER = re.compile(r"^\d{4}-\d{2}$")
# Each table's columns as the schema declares them (its optional columns left out).
COLUMNS = {
    table: tuple(column.name for column in TABLES[table].columns if not column.optional)
    for table in TABLES
}
ACTIVITY_TABLES = ("logins", "usage_events", "communications", "preferences", "admin_views")
NUMBERED = {"logins": "L", "usage_events": "E", "communications": "M", "admin_views": "V"}
# (name, service, data categories, contract start, assessment, yearly review on MM-DD)
PROCESSORS = (
    ("Northgate Cloud Hosting Ltd", "hosting", "name;email;ip;usage", "2021-03-01", "2021-02-10"),
    ("Mailroute Ltd", "email_delivery", "name;email", "2022-01-10", "2021-12-01"),
    ("Helpdeskly Ltd", "support_desk", "name;email;telephone", "2022-05-01", "2022-04-12"),
)
REVIEWED_ON = ("03-15", "09-20", "01-10")


def generate_series(
    out: Path, months: int, seed: int = 7, fmt: str = "csv", on_step: OnStep | None = None
) -> Path:
    """Write `months` monthly snapshots and lifecycle.json into `out` (empty, new, or an
    earlier series, which is replaced); `on_step` hears of each month once written."""
    low, high = MONTHS_LIMITS
    if not low <= months <= high:
        raise InputError(f"--months: must be between {low} and {high}")
    if seed < 0:
        raise InputError("--seed: must be a whole number >= 0")
    if fmt not in ("csv", "parquet"):
        raise InputError("--format: must be csv or parquet")
    out = Path(out)
    _check_folder(out)
    steps = Steps(months + 1, on_step)
    with reported_write_errors(out), staged_folder(out, existing="replace") as stage:
        _generate(stage, Months.ending_at_last_export(months), seed, fmt, steps)
    return out


def _check_folder(out: Path) -> None:
    """`out` must be empty, new, or an earlier series: lifecycle.json and month folders."""
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out.name}: exists and is not a folder")
    if not out.is_dir():
        return
    remove_writers_leftovers(out)
    if not any(out.iterdir()):
        return
    if not (out / LIFECYCLE_FILE).is_file():
        raise InputError(f"--out {out.name}: folder is not empty and holds no earlier series")
    for entry in sorted(out.iterdir()):
        foreign: str | None = entry.name
        if entry.name == LIFECYCLE_FILE and entry.is_file() and not entry.is_symlink():
            foreign = None
        elif entry.is_dir() and not entry.is_symlink() and MONTH_FOLDER.match(entry.name):
            inside = foreign_file(entry, set())  # a month's snapshot, and nothing else
            foreign = None if inside is None else f"{entry.name}/{inside}"
        if foreign is not None:
            raise InputError(
                f"--out {out.name}: holds '{foreign}', which the series does not write; "
                "use an empty folder"
            )


def _generate(out: Path, months: Months, seed: int, fmt: str, steps: Steps) -> None:
    world = SeriesWorld(months, random.Random(f"{seed}/series/world"))
    _background(world)
    plan = plant_stories(world)
    world.number_users()
    rows = activity(world, seed)
    ids = _row_ids(rows)
    for i, export in enumerate(months.exports):
        folder = out / months.folder(i)
        _write_snapshot(folder, world, rows, ids, export, fmt)
        write_manifest(
            folder, datetime.fromtimestamp(export, UTC), f"series-seed{seed}-{folder.name}"
        )
        steps.finished(folder.name)
    document = lifecycle(months, plan, rows, seed, fmt)
    (out / LIFECYCLE_FILE).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    steps.finished(LIFECYCLE_FILE)


def _background(world: SeriesWorld) -> None:
    """Three long-standing customers, a newcomer half way, and access requests answered
    in time now and then: data that breaks no rule."""
    m = world.months
    for age in (900, 700, 500):
        world.add_org("active", m.at(0, -age), users=4)
    world.add_user(world.orgs[0], m.at(len(m) // 2, 6))
    for i in range(1, len(m), 6):
        user = world.members(world.orgs[i % 3])[i % 4]
        world.add_request(user, "access", m.at(i, 2, 11), m.at(i, 12, 14))


def _row_ids(rows: list[Activity]) -> list[str]:
    """Each numbered table's rows get ids in time order over the whole series."""
    counts = dict.fromkeys(NUMBERED, 0)
    ids = []
    for _t, table, _user, _cells in rows:
        if table in NUMBERED:
            counts[table] += 1
            ids.append(f"{NUMBERED[table]}{counts[table]:07d}")
        else:
            ids.append("")
    return ids


def _write_snapshot(
    folder: Path,
    world: SeriesWorld,
    rows: list[Activity],
    ids: list[str],
    export: int,
    fmt: str,
) -> None:
    plants = Plants()  # the series' expectations live in lifecycle.json instead

    def write(table: str, table_rows: list[list[str]]) -> None:
        write_rows(folder, table, COLUMNS[table], table_rows, fmt, plants)

    write("organisations", [o.row(export) for o in world.orgs if o.created_at < export])
    write("users", [u.row() for u in world.users if u.held(export)])
    held: dict[str, list[list[str]]] = {table: [] for table in ACTIVITY_TABLES}
    for (t, table, user, cells), row_id in zip(rows, ids, strict=True):
        if t < export and user.held(export):
            held[table].append([row_id, *cells] if row_id else cells)
    for table, table_rows in held.items():
        write(table, table_rows)
    write("subject_requests", [r.row(export) for r in world.requests if r.received_at < export])
    write("processors", _processors(export))


def _processors(export: int) -> list[list[str]]:
    """The register as at `export`: each provider reviewed once a year."""
    today = utc_date(export - DAY)
    rows = []
    for n, ((name, service, cats, start, assessed), on) in enumerate(
        zip(PROCESSORS, REVIEWED_ON, strict=True)
    ):
        review = f"{today.year}-{on}"
        if review > today.isoformat():
            review = f"{today.year - 1}-{on}"
        rows.append([f"P{n + 1:03d}", name, service, cats, start, assessed, review])
    return rows
