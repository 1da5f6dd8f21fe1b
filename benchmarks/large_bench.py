"""The yardstick on a large snapshot: every step beside its floor and its target.

    .venv/bin/python benchmarks/large_bench.py [--scale 1] [--scales 0.25,0.5,1,2]
        [--skip-scaling] [--skip-csv] [--results benchmarks/results.md]
        [--render-only] [--again-rules] [--again-peers] [--again-pages] [--again-sar]

Generates `insight-workbench sample --preset large` into build/ (reused when
build/large-x<scale>/preset.json says the same preset, scale and format), then
measures, each step in a fresh process (wall clock; peak RSS of that process
from `os.wait4`; best of N where cheap):

- floors: DuckDB reading the same files into an in-memory database, and one
  full scan of every table of the ingested workspace;
- `ingest` of the Parquet and the CSV forms into a fresh cache, opening the
  workspace (`open_snapshot`), `check` and the time of each rule within it, `sar` for
  the heaviest user (by user id and by email address), `schedule`, `usage`, the data
  steps of the monthly compliance pack (the library calls its notebook makes,
  without papermill), and every app page of each role in a first session after
  ingest, then warm;
- RET-001, ACC-003 and COM-001 written plainly in pandas and in DuckDB SQL on
  the Parquet files, their answers compared with the workbench's findings: each
  rule alone, then the three in one process (the targets' measure);
- ingest and check at each scale of `--scales` (the largest with
  INSIGHT_MEMORY_LIMIT=2GB), and at `--scale` with INSIGHT_MEMORY_LIMIT=1GB.

Writes the "Large snapshot" section of benchmarks/results.md (the "Start-up"
section of startup_bench.py is kept). `--step NAME ...` runs one measured step
in this process: that is how the benchmark calls itself.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from results_file import replace_section

from insight_workbench.loading.schema import TABLES as SCHEMA_TABLES

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
RESULTS = ROOT / "benchmarks" / "results.md"
SECTION = "## Large snapshot"
LAST_RUN = BUILD / "large_bench_last.pickle"  # the figures, to write the section again
HEAVIEST_USER = "U0000017"  # rank 0 of the preset's skewed choice of users
BENCH_KEY = "benchmark-pseudonym-key-0123456789"  # the analyst data's key in every step
PEER_RULES = ("RET-001", "ACC-003", "COM-001")
PEER_SET = ",".join(PEER_RULES)  # the three in one process, as a pandas script runs them
# A record of each kind opened from its address (`?key=`), as a finding's link opens it.
RECORD_RULES = ("RET-001", "SAR-001", "COM-001", "ACC-003")
TABLES = tuple(SCHEMA_TABLES)  # every table of the snapshot format


# ---------------------------------------------------------------------------------------
# Measuring a step in a fresh process


@dataclass
class Measure:
    name: str
    wall: float  # seconds, the best run
    rss_mb: float  # peak resident memory of the process, the best run's
    runs: int
    load: float  # 1-minute load average when the best run started
    output: dict[str, Any] = field(default_factory=dict)  # what a --step printed


LOADS: list[float] = []


def cli() -> list[str]:
    script = shutil.which("insight-workbench", path=str(Path(sys.executable).parent))
    if script:
        return [script]
    return [sys.executable, "-c", "from insight_workbench.cli import main; main()"]


def run_process(
    command: list[str], env: dict[str, str], expected: tuple[int, ...]
) -> tuple[float, float, str]:
    """Wall clock, peak RSS (MB) and stdout of one process."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode not in expected:
            message = err.read().decode(errors="replace").strip()[-2000:]
            raise SystemExit(f"{' '.join(command)}: exit {process.returncode}\n{message}")
        return wall, usage.ru_maxrss / 1024, out.read().decode(errors="replace")


def measure(
    name: str,
    command: list[str],
    runs: int = 1,
    env: dict[str, str] | None = None,
    expected: tuple[int, ...] = (0,),
    before: Callable[[], None] | None = None,
) -> Measure:
    """Best of `runs` (by wall clock) of `command` in a fresh process."""
    best: Measure | None = None
    for _ in range(runs):
        if before:
            before()
        load = os.getloadavg()[0]
        LOADS.append(load)
        wall, rss, text = run_process(command, {**os.environ, **(env or {})}, expected)
        output = json.loads(text.splitlines()[-1]) if "--step" in command else {}
        if best is None or wall < best.wall:
            best = Measure(name, wall, rss, runs, load, output)
    assert best is not None
    print(f"{name:<44} {best.wall:8.2f} s {best.rss_mb:8.0f} MB  (load {best.load:.1f})")
    return best


def step(name: str, *arguments: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--step", name, *arguments]


# ---------------------------------------------------------------------------------------
# The steps run inside the measured process (`--step NAME`); each prints one JSON line.


def _emit(document: dict[str, Any]) -> None:
    print(json.dumps(document, default=str))


def step_bare_read(folder: str) -> None:
    """The floor of ingest: DuckDB reads every file into an in-memory database."""
    import duckdb

    con = duckdb.connect()
    for path in sorted(Path(folder).iterdir()):
        if path.suffix == ".parquet":
            source = f"read_parquet('{path}')"
        elif path.suffix == ".csv":
            source = f"read_csv('{path}')"
        else:
            continue
        con.execute(f'CREATE TABLE "{path.stem}" AS SELECT * FROM {source}')
    _emit({})


def step_full_scan(folder: str) -> None:
    """The floor of check: every value of every workspace table read once."""
    from insight_workbench.loading.workspace import open_snapshot

    snapshot = open_snapshot(folder)
    for table in TABLES:
        snapshot.con.execute(f'SELECT min(COLUMNS(*)) FROM "{table}"').fetchall()
    _emit({})


def step_open(folder: str) -> None:
    started = time.perf_counter()
    from insight_workbench.loading.workspace import open_snapshot

    imported = time.perf_counter()
    open_snapshot(folder)
    _emit({"import": imported - started, "open": time.perf_counter() - imported})


def step_rules(folder: str) -> None:
    """Each rule's share of one `check`: the rules run in code order on one context, as
    `check` runs them, with a clock around each. The first RET rule pays for the
    held-rows table every RET rule reads."""
    from insight_workbench.loading.context import snapshot_context
    from insight_workbench.loading.workspace import open_snapshot
    from insight_workbench.policy import load_policy
    from insight_workbench.rules import RULES

    snapshot = open_snapshot(folder)
    timings, findings = {}, {}
    with snapshot_context(snapshot, load_policy(), snapshot.manifest.exported_at) as context:
        for rule in sorted(RULES, key=lambda r: r.code):
            started = time.perf_counter()
            findings[rule.code] = len(rule.check(context))
            timings[rule.code] = time.perf_counter() - started
    _emit({"timings": timings, "findings": findings})


def step_report(folder: str) -> None:
    """The data steps of the monthly compliance pack notebook, without papermill."""
    from insight_workbench.ledger.database import open_ledger
    from insight_workbench.reports import ledger_sections, sections
    from insight_workbench.reports.results import open_inputs
    from insight_workbench.rules.runner import run_check

    inputs = open_inputs(folder)
    result = run_check(inputs.snapshot, inputs.policy, inputs.as_of)
    sections.family_summary(result)
    sections.family_counts(result)
    ledger = open_ledger()
    ledger_sections.trend_section(ledger_sections.trend(ledger, result))
    ledger_sections.deletion_register(ledger)
    ledger_sections.decisions(ledger, inputs.as_of)
    audits = {name: build(inputs, result) for name, build in sections.AUDITS.items()}
    sections.other_findings(result)
    sections.findings_figures(result)
    _emit({"sections": list(audits)})


def step_pages(folder: str) -> None:
    """The app's first session after ingest, then warm reruns, for each role: every page
    opened once in a fresh process (cold: the page computes and caches its results; the
    analyst's first page also builds the pseudonymised database), then run again 3 times
    (warm, the slowest kept). Then, as the DPO, a record of each kind in RECORD_RULES
    opened from its address (`?key=`) on the warm app: its page filtered to it, with its
    panel. Through Streamlit's AppTest, as the server runs a page."""
    from pages_bench import timed  # imports Streamlit: only in this step's process
    from streamlit import logger as streamlit_logger
    from streamlit.testing.v1 import AppTest

    from insight_workbench.dashboard.navigation import pages_for
    from insight_workbench.dashboard.roles import ANALYST, DPO
    from insight_workbench.loading.workspace import open_snapshot
    from insight_workbench.policy import load_policy
    from insight_workbench.rules.runner import run_check

    os.environ["INSIGHT_SNAPSHOT"] = folder
    os.environ.setdefault("INSIGHT_PSEUDONYM_KEY", BENCH_KEY)
    streamlit_logger.set_log_level("error")  # AppTest warns of a missing script context
    pages: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    for role in (DPO, ANALYST):
        os.environ["INSIGHT_ROLE"] = role
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        for spec in pages_for(role):
            app.switch_page(spec.path)
            cold = timed(app, timeout=600)
            warm = max(timed(app, timeout=600) for _ in range(3))
            pages.append({"role": role, "page": spec.title, "cold": cold, "warm": warm})
        if role == DPO:
            records = _open_records(app, run_check(open_snapshot(folder), load_policy()).findings)
    _emit({"pages": pages, "records": records})


def _open_records(app: Any, findings: list[Any]) -> list[dict[str, Any]]:
    """Each RECORD_RULES rule's first finding opened from its address on the warm app:
    the first open, then the slowest of 3 reruns. Only the key's kind is kept."""
    from pages_bench import timed

    opened = []
    for rule in RECORD_RULES:
        key = next(f.key for f in findings if f.rule == rule)
        app.query_params.clear()
        app.query_params["key"] = key
        first = timed(app, timeout=600)
        # The key is in a code span: its backticks and any escapes aside.
        shown = [s.value.replace("\\", "").replace("`", "") for s in app.subheader]
        if f"Record {key}" not in shown:
            raise SystemExit(f"{rule}: the record's panel did not open")
        warm = max(timed(app, timeout=600) for _ in range(3))
        kind, page = key.split(":")[0], app.title[0].value
        opened.append({"rule": rule, "kind": kind, "page": page, "first": first, "warm": warm})
    app.query_params.clear()
    return opened


def _as_of(folder: str) -> Any:
    import pandas as pd

    manifest = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
    return pd.Timestamp(manifest["exported_at"])


def _keys(rules: str, found: list[tuple[str, str]]) -> list[str]:
    """The answer of a peer step: one rule's keys, or each rule's keys after its code."""
    several = "," in rules
    return sorted(f"{rule} {key}" if several else key for rule, key in found)


def step_pandas(folder: str, rules: str) -> None:
    """The rules (one, or several by commas) as a pandas user would write them, in one
    script reading the Parquet files."""
    started = time.perf_counter()
    found = [(r, str(k)) for r in rules.split(",") for k in _pandas_rule(Path(folder), r)]
    _emit({"keys": _keys(rules, found), "work": time.perf_counter() - started})


def _pandas_rule(base: Path, rule: str) -> Any:
    import pandas as pd

    if rule == "RET-001":
        orgs = pd.read_parquet(base / "organisations.parquet", columns=["org_id", "closed_at"])
        users = pd.read_parquet(base / "users.parquet", columns=["user_id", "org_id"])
        held = [users[["user_id"]]]
        for table, column in (
            ("logins", "user_id"),
            ("usage_events", "user_id"),
            ("communications", "user_id"),
            ("preferences", "user_id"),
            ("admin_views", "viewer_user_id"),
        ):
            frame = pd.read_parquet(base / f"{table}.parquet", columns=[column])
            held.append(frame.rename(columns={column: "user_id"}))
        rows = pd.concat(held).dropna().groupby("user_id").size().rename("rows_held")
        per_org = users.join(rows, on="user_id", how="inner").groupby("org_id")["rows_held"].sum()
        due = orgs[orgs["closed_at"].notna()].copy()
        due = due[_as_of(str(base)) > due["closed_at"] + pd.Timedelta(days=28)]
        due = due.join(per_org, on="org_id", how="inner")
        keys = due.loc[due["rows_held"] > 0, "org_id"]
    elif rule == "ACC-003":
        logins = pd.read_parquet(base / "logins.parquet", columns=["ts", "user_id", "success"])
        failed = logins[~logins["success"] & logins["user_id"].notna()][["user_id", "ts"]]
        failed = failed.sort_values(["user_id", "ts"]).assign(n=1)
        # failures in the 15 minutes up to each failure, both ends included
        counts = failed.groupby("user_id").rolling("15min", on="ts", closed="both")["n"].sum()
        keys = pd.Series(counts[counts >= 10].index.get_level_values("user_id").unique())
    elif rule == "COM-001":
        messages = pd.read_parquet(base / "communications.parquet")
        messages = messages[messages["category"].isin(["product_update", "promotional"])]
        prefs = pd.read_parquet(base / "preferences.parquet")
        both = messages.merge(prefs, on=["user_id", "category"])
        both = both[both["changed_at"] <= both["sent_at"]]
        # the latest change before sending; an opt-out wins a tie
        both = both.sort_values(["message_id", "changed_at", "opted_out"])
        latest = both.groupby("message_id").tail(1)
        keys = latest.loc[latest["opted_out"], "message_id"]
    else:
        raise SystemExit(f"unknown peer rule {rule}")
    return keys


PEER_SQL = {
    "RET-001": """
        WITH held AS (
            SELECT user_id FROM read_parquet('{d}/users.parquet')
            UNION ALL SELECT user_id FROM read_parquet('{d}/logins.parquet')
            UNION ALL SELECT user_id FROM read_parquet('{d}/usage_events.parquet')
            UNION ALL SELECT user_id FROM read_parquet('{d}/communications.parquet')
            UNION ALL SELECT user_id FROM read_parquet('{d}/preferences.parquet')
            UNION ALL SELECT viewer_user_id FROM read_parquet('{d}/admin_views.parquet')
        ),
        per_user AS (SELECT user_id, count(*) AS n FROM held GROUP BY user_id)
        SELECT o.org_id
        FROM read_parquet('{d}/organisations.parquet') AS o
        JOIN read_parquet('{d}/users.parquet') AS u USING (org_id)
        JOIN per_user AS h USING (user_id)
        WHERE o.closed_at IS NOT NULL AND TIMESTAMPTZ '{as_of}' > o.closed_at + INTERVAL 28 DAY
        GROUP BY o.org_id HAVING sum(h.n) > 0
    """,
    "ACC-003": """
        SELECT DISTINCT user_id FROM (
            SELECT user_id, count(*) OVER (PARTITION BY user_id ORDER BY ts
                RANGE BETWEEN CURRENT ROW AND INTERVAL 15 MINUTE FOLLOWING) AS n
            FROM read_parquet('{d}/logins.parquet')
            WHERE NOT success AND user_id IS NOT NULL
        ) WHERE n >= 10
    """,
    "COM-001": """
        SELECT message_id FROM (
            SELECT m.message_id, p.opted_out,
                   rank() OVER (PARTITION BY m.message_id ORDER BY p.changed_at DESC) AS r
            FROM read_parquet('{d}/communications.parquet') AS m
            JOIN read_parquet('{d}/preferences.parquet') AS p
              ON p.user_id = m.user_id AND p.category = m.category AND p.changed_at <= m.sent_at
            WHERE m.category IN ('product_update', 'promotional')
        ) WHERE r = 1 GROUP BY message_id HAVING bool_or(opted_out)
    """,
}


def step_duckdb(folder: str, rules: str) -> None:
    """The rules (one, or several by commas) as plain DuckDB SQL over the Parquet
    files, one query each on one connection."""
    import duckdb

    as_of = _as_of(folder).isoformat()
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    found = [
        (rule, str(row[0]))
        for rule in rules.split(",")
        for row in con.execute(PEER_SQL[rule].format(d=folder, as_of=as_of)).fetchall()
    ]
    _emit({"keys": _keys(rules, found), "work": time.perf_counter() - started})


def step_workbench(folder: str, rules: str) -> None:
    """The rules (one, or several by commas) as `check --rule CODE ...` runs them: open
    the workspace, run the rules."""
    from insight_workbench.loading.workspace import open_snapshot
    from insight_workbench.policy import load_policy
    from insight_workbench.rules.runner import run_check

    policy = load_policy()
    started = time.perf_counter()
    codes = rules.split(",")
    result = run_check(open_snapshot(folder), policy, prefixes=codes)
    found = [(f.rule, f.key.split(":", 1)[1]) for f in result.findings if f.rule in codes]
    _emit({"keys": _keys(rules, found), "work": time.perf_counter() - started})


STEPS: dict[str, Callable[..., None]] = {
    "bare-read": step_bare_read,
    "full-scan": step_full_scan,
    "open": step_open,
    "rules": step_rules,
    "report": step_report,
    "pages": step_pages,
    "pandas": step_pandas,
    "duckdb": step_duckdb,
    "workbench": step_workbench,
}


# ---------------------------------------------------------------------------------------
# The run


def snapshot_folder(scale: float, fmt: str) -> Path:
    """The large snapshot at `scale` in `fmt`, generated unless build/ has it already."""
    folder = BUILD / f"large-x{scale:g}-{fmt}"
    preset = folder / "preset.json"
    for _ in range(180):  # another `sample` still writing it: wait up to 15 minutes
        if preset.is_file() or not folder.is_dir() or not any(folder.iterdir()):
            break
        time.sleep(5)
    if preset.is_file():
        known = json.loads(preset.read_text(encoding="utf-8"))
        if (known["preset"], known["scale"], known["format"]) == ("large", scale, fmt):
            return folder
    started = time.perf_counter()
    subprocess.run(
        [
            *cli(),
            "sample",
            "--preset",
            "large",
            "--scale",
            f"{scale:g}",
            "--format",
            fmt,
            "--out",
            str(folder),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    print(f"generated {folder.name} in {time.perf_counter() - started:.0f} s")
    return folder


def measure_sar(parquet: Path, env: dict[str, str]) -> dict[str, Measure]:
    """`sar` for the heaviest user, named by user id, then by email address (as a
    request usually names the person)."""
    import duckdb

    users = f"read_parquet('{parquet / 'users.parquet'}')"
    query = f"SELECT email FROM {users} WHERE user_id = ?"
    email = str(duckdb.connect().execute(query, [HEAVIEST_USER]).fetchall()[0][0])
    packs = BUILD / "bench-packs"
    shutil.rmtree(packs, ignore_errors=True)
    packs.mkdir(parents=True)
    m: dict[str, Measure] = {}
    for key, option, person in (
        ("sar", "--user-id", HEAVIEST_USER),
        ("sar email", "--email", email),
    ):
        m[key] = measure(
            f"{key} (heaviest user)",
            [*cli(), "sar", str(parquet), option, person, "--out", str(packs / "pack")],
            3,
            env=env,
            before=lambda: shutil.rmtree(packs / "pack", ignore_errors=True),  # never overwrites
        )
    return m


def measure_peers(parquet: Path, env: dict[str, str]) -> dict[str, Measure]:
    """Each peer rule alone, then the three together, by the workbench (on the ingested
    workspace of `env`), pandas and plain DuckDB SQL."""
    m: dict[str, Measure] = {}
    for rule in (*PEER_RULES, PEER_SET):
        m[f"workbench {rule}"] = measure(
            f"{rule} workbench", step("workbench", str(parquet), rule), 2, env=env
        )
        m[f"pandas {rule}"] = measure(f"{rule} pandas", step("pandas", str(parquet), rule))
        m[f"duckdb {rule}"] = measure(f"{rule} DuckDB SQL", step("duckdb", str(parquet), rule), 2)
    return m


def fresh_cache(name: str) -> dict[str, str]:
    cache = BUILD / "bench-cache" / name
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True)
    return {"INSIGHT_CACHE_DIR": str(cache)}


def ingest_and_check(label: str, folder: Path, env: dict[str, str]) -> tuple[Measure, Measure]:
    cache = fresh_cache(label)
    ingest = measure(f"ingest {label}", [*cli(), "ingest", str(folder)], env={**env, **cache})
    check = measure(
        f"check {label}",
        [*cli(), "check", str(folder), "--format", "json"],
        env={**env, **cache},
        expected=(0, 1),
    )
    return ingest, check


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) / 1e6


def run(args: argparse.Namespace) -> dict[str, Any]:
    scale = args.scale
    parquet = snapshot_folder(scale, "parquet")
    results: dict[str, Any] = {"scale": scale, "parquet_mb": folder_mb(parquet)}
    results["rows"] = {
        k: v["rows"]
        for k, v in json.loads((parquet / "manifest.json").read_text())["tables"].items()
    }
    main = fresh_cache("main")
    m: dict[str, Measure] = {}
    m["bare parquet"] = measure("bare read (Parquet)", step("bare-read", str(parquet)), 2)
    m["ingest parquet"] = measure("ingest (Parquet)", [*cli(), "ingest", str(parquet)], env=main)
    # With a key configured, `ingest` of the built workspace adds the analyst data alone.
    keyed = {**main, "INSIGHT_PSEUDONYM_KEY": BENCH_KEY}
    m["ingest analyst"] = measure("analyst data", [*cli(), "ingest", str(parquet)], env=keyed)
    m["full scan"] = measure("full scan", step("full-scan", str(parquet)), 2, env=main)
    m["open"] = measure("open", step("open", str(parquet)), 3, env=main)
    m["check"] = measure(
        "check",
        [*cli(), "check", str(parquet), "--format", "json"],
        2,
        env=main,
        expected=(0, 1),
    )
    m["rules"] = measure("every rule, one context", step("rules", str(parquet)), env=main)
    m.update(measure_sar(parquet, main))
    m["schedule"] = measure("schedule", [*cli(), "schedule", str(parquet)], 3, env=main)
    m["usage"] = measure("usage", [*cli(), "usage", str(parquet)], 3, env=main)
    m["report"] = measure("report data steps", step("report", str(parquet)), env=main)
    m["pages"] = measure("app pages, first session", step("pages", str(parquet)), env=main)
    m.update(measure_peers(parquet, main))
    if not args.skip_csv:
        csv = snapshot_folder(scale, "csv")
        results["csv_mb"] = folder_mb(csv)
        m["bare csv"] = measure("bare read (CSV)", step("bare-read", str(csv)))
        m["ingest csv"] = measure(
            "ingest (CSV)", [*cli(), "ingest", str(csv)], env=fresh_cache("csv")
        )
    m["ingest 1GB"], m["check 1GB"] = ingest_and_check(
        "1GB", parquet, {"INSIGHT_MEMORY_LIMIT": "1GB"}
    )
    scaling: dict[float, tuple[Measure, Measure]] = {}
    if not args.skip_scaling:
        top = max(args.scales)
        for factor in args.scales:
            if factor == scale:
                scaling[factor] = (m["ingest parquet"], m["check"])
                continue
            env = {"INSIGHT_MEMORY_LIMIT": "2GB"} if factor == top else {}
            folder = snapshot_folder(factor, "parquet")
            scaling[factor] = ingest_and_check(f"x{factor:g}", folder, env)
    results["measures"] = m
    results["scaling"] = scaling
    results["top_scale"] = max(args.scales)
    return results


# ---------------------------------------------------------------------------------------
# The section of results.md


def verdict(ok: bool, miss: str = "") -> str:
    return "PASS" if ok else f"MISS ({miss})" if miss else "MISS"


def over(value: float, limit: float, unit: str = "s") -> str:
    return f"{value - limit:.2f} {unit} over, {value / limit:.1f}× the target"


def machine(duckdb_version: str) -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    loads = LOADS or [os.getloadavg()[0]]
    return (
        f"Machine: {os.cpu_count()} CPUs, {memory:.0f} GB memory, Python "
        f"{platform.python_version()}, DuckDB {duckdb_version} ({platform.system()}). "
        f"1-minute load average during the run: min {min(loads):.1f}, mean "
        f"{sum(loads) / len(loads):.1f}, max {max(loads):.1f} (shared machine: figures are "
        "noisy)."
    )


class Report:
    """The Large snapshot section: tables of figures, and a verdict per target."""

    def __init__(self, results: dict[str, Any]) -> None:
        self.results = results
        self.m: dict[str, Measure] = results["measures"]
        self.lines: list[str] = []
        self.verdicts: list[tuple[str, str]] = []

    def text(self) -> str:
        import duckdb

        results, rows = self.results, self.results["rows"]
        csv = f", {results['csv_mb']:.0f} MB as CSV" if "csv_mb" in results else ""
        self.lines += [
            SECTION,
            "",
            "`benchmarks/large_bench.py` (`make bench-large`) on `sample --preset large "
            f"--scale {results['scale']:g}`: {rows['organisations']:,} organisations, "
            f"{rows['users']:,} users, {rows['logins']:,} logins, {rows['usage_events']:,} "
            f"usage events, {rows['communications']:,} messages; {results['parquet_mb']:.0f} "
            f"MB of Parquet{csv}.",
            "",
            machine(duckdb.__version__),
            "",
            "Each step is a fresh process; wall clock is the best of the runs shown, peak "
            "memory is the resident set of that process. Report data steps are the library "
            "calls of the monthly compliance pack notebook (run_check, the four audit "
            "sections, the other findings, trend, figures), without papermill.",
            "",
        ]
        self.steps()
        self.rules()
        self.pages()
        self.peers()
        self.scaling()
        self.lines += ["", "### Targets", "", "| target | verdict |", "|---|---|"]
        self.lines += [f"| {label} | {shown} |" for label, shown in self.verdicts]
        return "\n".join(self.lines) + "\n"

    def row(
        self, key: str, label: str, floor: str | None, target: str, ok: bool | None, miss: str
    ) -> None:
        x, f = self.m[key], self.m[floor] if floor else None
        shown = verdict(ok, miss) if ok is not None else "-"
        self.lines.append(
            f"| {label} | {x.runs} | {x.wall:.2f} | {x.rss_mb:.0f} | "
            f"{f.name if f else '-'} | {f'{f.wall:.2f}' if f else '-'} | "
            f"{f'{x.wall / f.wall:.2f}×' if f else '-'} | {target} | {shown} |"
        )
        if ok is not None:
            self.verdicts.append((label, shown))

    def ratio_row(self, key: str, label: str, floor: str, most: float) -> None:
        ratio = self.m[key].wall / self.m[floor].wall
        target = f"≤ {most:g}× {self.m[floor].name}"
        self.row(key, label, floor, target, ratio <= most, f"{ratio:.2f}×")

    def steps(self) -> None:
        m = self.m
        self.lines += [
            "| step | runs | wall (s) | peak RSS (MB) | floor | floor (s) | ratio | target | "
            "verdict |",
            "|---|---:|---:|---:|---|---:|---:|---|---|",
        ]
        self.row("bare parquet", "bare read, Parquet (floor)", None, "-", None, "")
        self.row("full scan", "full scan of the workspace (floor)", None, "-", None, "")
        self.ratio_row("ingest parquet", "ingest, Parquet", "bare parquet", 1.5)
        if "ingest analyst" in m:
            label = "ingest again with a pseudonymisation key: the analyst data alone"
            self.row("ingest analyst", label, None, "-", None, "")
        if "ingest csv" in m:
            self.row("bare csv", "bare read, CSV (floor)", None, "-", None, "")
            self.ratio_row("ingest csv", "ingest, CSV", "bare csv", 1.5)
        opened = m["open"].output["open"]
        label = f"open (whole process; open_snapshot alone {opened:.2f} s)"
        self.row("open", label, None, "open_snapshot ≤ 0.5 s", opened <= 0.5, over(opened, 0.5))
        self.ratio_row("check", "check, all rules", "full scan", 3)
        check = m["check"]
        self.verdicts.append(("check < 15 s", verdict(check.wall < 15, over(check.wall, 15))))
        within = check.rss_mb < 2048
        self.verdicts.append(("check peak < 2 GB", verdict(within, over(check.rss_mb, 2048, "MB"))))
        for key, label, limit in (
            ("sar", "sar, one person (the heaviest user)", 2),
            ("sar email", "sar, the same person by email address", 2),
            ("schedule", "schedule", 3),
            ("usage", "usage", 5),
            ("report", "report data steps", 20),
        ):
            if key not in m:
                continue  # a run from before it was measured
            wall = m[key].wall
            self.row(key, label, None, f"< {limit} s", wall < limit, over(wall, limit))

    def rules(self) -> None:
        run = self.m["rules"]
        timings, findings = run.output["timings"], run.output["findings"]
        total = sum(timings.values())
        self.lines += [
            "",
            "### Where check spends its time",
            "",
            "One process opens the workspace and runs every rule in code order on one "
            "context, as `check` does, with a clock around each rule (the rows held per "
            "user and the failed logins are tables of the workspace, built by ingest). "
            "Whole process: "
            f"{run.wall:.1f} s, peak {run.rss_mb:.0f} MB; the rules: {total:.1f} s.",
            "",
            "| rule | wall (s) | share | findings |",
            "|---|---:|---:|---:|",
        ]
        for code, seconds in sorted(timings.items(), key=lambda kv: -kv[1]):
            share = seconds / total if total else 0
            self.lines.append(f"| {code} | {seconds:.2f} | {share:.0%} | {findings[code]:,} |")

    def pages(self) -> None:
        if "pages" not in self.m:  # a run from before the app was measured
            return
        run = self.m["pages"]
        self.lines += [
            "",
            "### App pages: the first session after ingest, then warm",
            "",
            "One fresh process per run, each role in turn (`step_pages`: Streamlit's AppTest, "
            "as the server runs a page): each page opened once (cold: it computes and caches "
            "its results; the pseudonymised analyst database was built by `ingest` with the key, "
            "as above), "
            f"then run again 3 times (warm: the slowest shown). Whole process: {run.wall:.1f} "
            f"s, peak {run.rss_mb:.0f} MB.",
            "",
            "| role | page | cold (s) | warm (s) | cold < 10 s | warm < 1 s |",
            "|---|---|---:|---:|---|---|",
        ]
        for page in run.output["pages"]:
            cold, warm = page["cold"], page["warm"]
            checks = (verdict(cold < 10, over(cold, 10)), verdict(warm < 1, over(warm, 1)))
            self.lines.append(
                f"| {page['role']} | {page['page']} | {cold:.2f} | {warm:.2f} | "
                f"{checks[0]} | {checks[1]} |"
            )
            label = f"app page {page['role']} / {page['page']}"
            self.verdicts += [(f"{label}, first session < 10 s", checks[0])]
            self.verdicts += [(f"{label}, warm < 1 s", checks[1])]
        self.records(run.output.get("records", []))

    def records(self, opened: list[dict[str, Any]]) -> None:
        if not opened:
            return
        self.lines += [
            "",
            "Then, as the DPO in the same session, a record of each kind opened from its "
            "address (`?key=`, as a finding's link opens it): the owning page filtered to "
            "the record, with its panel (its findings and, with a ledger, its history). "
            "*First* is the first time that record is opened (its page already computed), "
            "*warm* the slowest of 3 reruns.",
            "",
            "| record (rule's first finding) | page | first (s) | warm (s) | warm < 1 s |",
            "|---|---|---:|---:|---|",
        ]
        for record in opened:
            check = verdict(record["warm"] < 1, over(record["warm"], 1))
            self.lines.append(
                f"| {record['kind']} ({record['rule']}) | {record['page']} | "
                f"{record['first']:.2f} | {record['warm']:.2f} | {check} |"
            )
            self.verdicts.append((f"record panel, {record['kind']}, warm < 1 s", check))

    def peers(self) -> None:
        self.lines += [
            "",
            "### Peer rules: plain pandas and plain DuckDB SQL on the Parquet files",
            "",
            "Each in a fresh process: the workbench opens the ingested workspace and runs the "
            "rule (as `check --rule CODE`), pandas reads the Parquet files (`read_parquet`, "
            "merge/groupby, a rolling 15-minute window for ACC-003), DuckDB runs one SQL "
            "query over them. *work* is the time after the imports (open + rule; read + "
            "compute; the query); *process* is the whole process. Answers are the sets of "
            "keys (workbench/pandas/SQL counts). Targets compare work time and peak memory. "
            "The last row is the three rules in one process each (`check --rule RET-001 "
            "--rule ACC-003 --rule COM-001`; one pandas script; three queries on one "
            "connection): the measure the targets are set on, as the three rules were first "
            "measured together. Each rule alone is shown above it.",
            "",
            "| rule | workbench work / process (s) | peak (MB) | pandas work / process (s) | "
            "peak (MB) | DuckDB SQL work / process (s) | peak (MB) | answers equal | "
            "≥ 10× faster than pandas | ≥ 5× less memory | within 2× of SQL |",
            "|---|---:|---:|---:|---:|---:|---:|---|---|---|---|",
        ]
        for code in (*PEER_RULES, PEER_SET):
            if f"workbench {code}" not in self.m:
                continue  # figures of a run from before the three were measured together
            ours, pandas_, sql = (self.m[f"{k} {code}"] for k in ("workbench", "pandas", "duckdb"))
            keys = ours.output["keys"]
            equal = keys == pandas_.output["keys"] == sql.output["keys"]
            counts = f"{len(keys)}/{len(pandas_.output['keys'])}/{len(sql.output['keys'])}"
            work = {
                k: v.output["work"] for k, v in (("ours", ours), ("pandas", pandas_), ("sql", sql))
            }
            speed, memory = work["pandas"] / work["ours"], pandas_.rss_mb / ours.rss_mb
            versus = work["ours"] / work["sql"]
            checks = (
                verdict(speed >= 10, f"{speed:.1f}×"),
                verdict(memory >= 5, f"{memory:.1f}×"),
                verdict(versus <= 2, f"{versus:.1f}× the SQL"),
            )
            cells = [
                f"{work[k]:.2f} / {x.wall:.2f} | {x.rss_mb:.0f}"
                for k, x in (("ours", ours), ("pandas", pandas_), ("sql", sql))
            ]
            label = "the three together" if code == PEER_SET else code
            self.lines.append(
                f"| {label} | {' | '.join(cells)} | {'yes' if equal else 'NO'} ({counts}) | "
                + " | ".join(checks)
                + " |"
            )
            label = "the three peer rules together" if code == PEER_SET else f"{code} alone"
            self.verdicts.append((f"{label}: answers equal", verdict(equal, counts)))
            names = ("≥ 10× faster than pandas", "≥ 5× less memory", "within 2× of SQL")
            self.verdicts += [(f"{label}: {n}", c) for n, c in zip(names, checks, strict=True)]

    def scaling(self) -> None:
        m, results = self.m, self.results
        self.lines += [
            "",
            "### Memory limits and scaling",
            "",
            "| run | ingest (s) | ingest peak (MB) | check (s) | check peak (MB) |",
            "|---|---:|---:|---:|---:|",
            f"| scale {results['scale']:g}, INSIGHT_MEMORY_LIMIT=1GB | "
            f"{m['ingest 1GB'].wall:.2f} | {m['ingest 1GB'].rss_mb:.0f} | "
            f"{m['check 1GB'].wall:.2f} | {m['check 1GB'].rss_mb:.0f} |",
        ]
        self.verdicts.append(("INSIGHT_MEMORY_LIMIT=1GB: ingest and check finish", "PASS"))
        scaling = results["scaling"]
        for factor, (ingest, check) in sorted(scaling.items()):
            limit = ", INSIGHT_MEMORY_LIMIT=2GB" if factor == results["top_scale"] else ""
            self.lines.append(
                f"| scale {factor:g}{limit} | {ingest.wall:.2f} | {ingest.rss_mb:.0f} | "
                f"{check.wall:.2f} | {check.rss_mb:.0f} |"
            )
        base = scaling.get(results["scale"])
        if not base or len(scaling) < 2:
            return
        self.lines += [
            "",
            f"Time per unit of scale, relative to scale {results['scale']:g} (1.00 = linear):",
            "",
            "| scale | ingest | check |",
            "|---:|---:|---:|",
        ]
        worst = 1.0
        for factor, (ingest, check) in sorted(scaling.items()):
            ri = (ingest.wall / factor) / (base[0].wall / results["scale"])
            rc = (check.wall / factor) / (base[1].wall / results["scale"])
            if factor > results["scale"]:
                worst = max(worst, ri, rc)
            self.lines.append(f"| {factor:g} | {ri:.2f} | {rc:.2f} |")
        self.verdicts += [
            (
                "scaling linear (≤ 1.3× the time per unit above the base scale)",
                verdict(worst <= 1.3, f"{worst:.2f}× per unit"),
            ),
            (f"scale {results['top_scale']:g} finishes with INSIGHT_MEMORY_LIMIT=2GB", "PASS"),
        ]


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--step":
        STEPS[sys.argv[2]](*sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument(
        "--scales",
        default="0.25,0.5,1,2",
        type=lambda text: [float(x) for x in text.split(",")],
    )
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--skip-csv", action="store_true")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument(
        "--again-rules", action="store_true", help="Measure the rules step again, then write."
    )
    parser.add_argument("--again-sar", action="store_true", help="Measure sar again, then write.")
    parser.add_argument(
        "--again-pages",
        action="store_true",
        help="Measure the app pages and record panels again, then write.",
    )
    parser.add_argument(
        "--again-peers",
        action="store_true",
        help="Measure the peer rules again (alone and together), then write.",
    )
    parser.add_argument(
        "--render-only", action="store_true", help="Write the section from the last run's figures."
    )
    args = parser.parse_args()
    started = time.perf_counter()
    again = args.again_rules or args.again_peers or args.again_pages or args.again_sar
    if args.render_only or again:
        results = pickle.loads(LAST_RUN.read_bytes())
        # measured again on the last run's workspace, ingested again if the loader changed
        env = {"INSIGHT_CACHE_DIR": str(BUILD / "bench-cache" / "main")}
        folder = snapshot_folder(results["scale"], "parquet")
        if again:
            run_process([*cli(), "ingest", "--quiet", str(folder)], {**os.environ, **env}, (0,))
        if args.again_rules:
            again = measure("every rule, one context", step("rules", str(folder)), env=env)
            results["measures"]["rules"] = again
        if args.again_peers:
            results["measures"].update(measure_peers(folder, env))
        if args.again_sar:
            results["measures"].update(measure_sar(folder, env))
        if args.again_pages:
            pages = measure("app pages, first session", step("pages", str(folder)), env=env)
            results["measures"]["pages"] = pages
        if again:
            results["loads"] += LOADS
            LAST_RUN.write_bytes(pickle.dumps(results))
    else:
        results = run(args)
        results["loads"] = LOADS
        LAST_RUN.write_bytes(pickle.dumps(results))
    LOADS[:] = results["loads"]
    replace_section(args.results, SECTION, Report(results).text())
    print(f"updated {args.results} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
