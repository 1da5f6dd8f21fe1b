"""Recording `check` runs in the ledger, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from cli_runner import run_cli
from sqlalchemy import create_engine, func, inspect, select, text

from insight_workbench.ledger.database import (
    MIGRATIONS,
    SCHEMA_REVISION,
    _use_wal,
    close_ledgers,
    open_ledger,
    reading,
)
from insight_workbench.ledger.instants import parsed
from insight_workbench.ledger.runs import record_run
from insight_workbench.ledger.tables import findings, holdings, metadata, runs
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules.runner import run_check


def counts(setting: str) -> tuple[int, int, int]:
    with reading(open_ledger(setting)) as connection:
        return tuple(  # type: ignore[return-value]
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (runs, findings, holdings)
        )


def test_a_new_ledger_is_migrated_to_every_table(new_ledger_setting: str) -> None:
    ledger = open_ledger(new_ledger_setting)
    names = set(inspect(ledger.engine).get_table_names())
    assert set(metadata.tables) <= names
    with reading(ledger) as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    assert version == [(SCHEMA_REVISION,)]


def test_a_new_sqlite_ledger_is_its_owner_s_alone_whatever_the_umask(tmp_path: Path) -> None:
    """It holds decision notes and ACC-004's IP addresses: SQLite made it 0644 (0666
    under umask 000), its journal files alike."""
    setting = str(tmp_path / "ledger.sqlite")
    before = os.umask(0)
    try:
        record_run(open_ledger(setting), run_check(_tiny(tmp_path), load_policy()), "cli", "dpo")
    finally:
        os.umask(before)
        close_ledgers()
    made = [p for p in tmp_path.iterdir() if p.name.startswith("ledger.sqlite")]
    assert made
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in made} == {p.name: 0o600 for p in made}


def _tiny(tmp_path: Path) -> Snapshot:
    from insight_workbench.loading.snapshot import load_snapshot
    from insight_workbench.testing import build_snapshot

    return load_snapshot(build_snapshot(tmp_path / "s", {}))


def test_the_schema_revision_is_the_newest_migration() -> None:
    """Opening takes a ledger at `SCHEMA_REVISION` as current, without Alembic."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_heads() == [SCHEMA_REVISION]


def test_switching_to_wal_waits_out_a_lock_that_fails_at_once(tmp_path: Path) -> None:
    """SQLite fails a journal-mode switch at once, without its busy wait, when two new
    connections deadlock on it: the switch is then tried again, not given up."""
    path = tmp_path / "ledger.sqlite"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    switching = sqlite3.connect(path, timeout=0)  # no busy wait: fails at once, as then
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        switching.execute("PRAGMA journal_mode=WAL")
    release = threading.Timer(0.2, holder.rollback)
    release.start()
    _use_wal(switching.cursor())
    release.join()
    assert switching.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_recording_keeps_every_finding_and_the_run_identity(
    ledger_setting: str, sample: Snapshot
) -> None:
    result = run_check(sample, load_policy())
    recorded = record_run(open_ledger(ledger_setting), result, source="cli", by="dpo")
    assert recorded.recorded
    with reading(open_ledger(ledger_setting)) as connection:
        run = connection.execute(select(runs)).mappings().one()
        kept = connection.execute(select(findings)).mappings().all()
    assert run["manifest_sha256"] == sample.manifest.checksum
    assert run["snapshot_id"] == sample.manifest.snapshot_id
    assert run["recorded_by"] == "dpo"
    assert json.loads(run["policy"]) == json.loads(json.dumps(result.policy.as_dict()))
    assert {(f["rule"], f["key"]) for f in kept} == {(f.rule, f.key) for f in result.findings}
    first = result.findings[0]
    stored = next(f for f in kept if (f["rule"], f["key"]) == (first.rule, first.key))
    assert json.loads(stored["evidence"]) == json.loads(json.dumps(first.evidence, default=str))


def test_recording_the_same_run_twice_changes_nothing(
    ledger_setting: str, sample: Snapshot
) -> None:
    result = run_check(sample, load_policy())
    ledger = open_ledger(ledger_setting)
    first = record_run(ledger, result, source="cli")
    before = counts(ledger_setting)
    again = record_run(ledger, result, source="app")
    assert (again.run_id, again.recorded) == (first.run_id, False)
    assert counts(ledger_setting) == before


def test_another_as_of_is_another_run(ledger_setting: str, sample: Snapshot) -> None:
    ledger = open_ledger(ledger_setting)
    first = record_run(ledger, run_check(sample, load_policy()), source="cli")
    later = sample.manifest.exported_at.replace(year=sample.manifest.exported_at.year + 1)
    second = record_run(ledger, run_check(sample, load_policy(), later), source="cli")
    assert second.recorded
    assert second.run_id != first.run_id
    assert counts(ledger_setting)[0] == 2


def test_holdings_list_what_each_retention_key_still_holds(
    ledger_setting: str, sample: Snapshot
) -> None:
    result = run_check(sample, load_policy(), prefixes=["RET-001", "RET-003"])
    record_run(open_ledger(ledger_setting), result, source="cli")
    with reading(open_ledger(ledger_setting)) as connection:
        held = {row["key"]: row for row in connection.execute(select(holdings)).mappings().all()}
    for finding in result.findings:  # every RET-001/003 finding holds the rows it names
        assert json.loads(held[finding.key]["rows"]) == finding.evidence
        assert held[finding.key]["rule"] == finding.rule


def test_check_record_on_the_command_line(ledger_setting: str, sample_path: Path) -> None:
    env = {"INSIGHT_LEDGER": ledger_setting, "INSIGHT_USER": "dpo@example.org"}
    first = run_cli("check", sample_path, "--record", "--format", "json", env=env)
    assert first.returncode == 1, first.stderr
    assert "recorded in the ledger" in first.stderr
    again = run_cli("check", sample_path, "--record", "--quiet", env=env)
    assert again.returncode == 1
    assert again.stderr == ""
    found = len(json.loads(first.stdout)["findings"])
    assert counts(ledger_setting)[:2] == (1, found)


def test_an_output_that_cannot_be_written_is_refused_before_the_run_is_recorded(
    ledger_setting: str, sample_path: Path, tmp_path: Path
) -> None:
    """A scheduled job told exit 2 must not find the run recorded all the same (a
    read-only folder: `test_clean_failures.py`)."""
    env = {"INSIGHT_LEDGER": ledger_setting, "INSIGHT_USER": "dpo@example.org"}
    target = tmp_path / "missing" / "findings.json"
    done = run_cli("check", sample_path, "--record", "--output", target, env=env)
    assert (done.returncode, done.stderr) == (
        2,
        f"error: --output {target}: cannot be written (its folder does not exist)\n",
    )
    assert counts(ledger_setting)[:2] == (0, 0)


def test_a_ledger_setting_that_is_no_database_is_refused(sample_path: Path) -> None:
    env = {"INSIGHT_LEDGER": "mysql://somewhere/ledger"}
    done = run_cli("check", sample_path, "--record", env=env)
    assert done.returncode == 2
    assert "INSIGHT_LEDGER" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unreachable_postgresql_server_is_a_clear_error(sample_path: Path) -> None:
    env = {"INSIGHT_LEDGER": "postgresql://nobody:secret@127.0.0.1:9/ledger"}
    done = run_cli("check", sample_path, "--record", env=env)
    assert done.returncode == 2
    assert "cannot be opened" in done.stderr
    assert "secret" not in done.stderr
    assert "Traceback" not in done.stderr


def test_a_password_given_as_a_url_parameter_is_not_shown(sample_path: Path) -> None:
    """The server's client library reads `?password=` too: a scheduled job's stderr
    (mailed, logged) must not carry it."""
    url = "postgresql://127.0.0.1:9/ledger?user=nobody&password=secret&sslpassword=secret2"
    for command in (["check", sample_path, "--record"], ["ledger", "verify"], ["history"]):
        done = run_cli(*command, env={"INSIGHT_LEDGER": url})
        assert done.returncode == 2
        assert "cannot be opened" in done.stderr
        assert "secret" not in done.stderr
        assert "password=***&sslpassword=***&user=nobody" in done.stderr


def test_an_unencoded_at_sign_in_the_password_is_refused_without_showing_it(
    sample_path: Path,
) -> None:
    """`p@ss` unencoded splits the address at its first `@`: the rest of the password
    would be shown as the host, by this message and by the driver's."""
    for url in (
        "postgresql://nobody:se@cret@127.0.0.1:9/ledger",
        "postgresql://nobody:se/c@cret@127.0.0.1:9/ledger",  # a `/` before the `@` too
    ):
        done = run_cli("check", sample_path, "--record", env={"INSIGHT_LEDGER": url})
        assert done.returncode == 2
        assert "write it as %40" in done.stderr
        assert "cret" not in done.stderr
        assert "Traceback" not in done.stderr


def test_a_ledger_path_starting_with_a_tilde_is_in_the_home_folder(
    sample_path: Path, tmp_path: Path
) -> None:
    env = {"HOME": str(tmp_path / "home"), "INSIGHT_LEDGER": "~/ledgers/ledger.sqlite"}
    done = run_cli("check", sample_path, "--record", env=env, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert (tmp_path / "home" / "ledgers" / "ledger.sqlite").is_file()
    assert not (tmp_path / "~").exists()
    assert run_cli("ledger", "verify", env=env, cwd=tmp_path).returncode == 0


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            "{folder}/policy.toml",
            "ledger {folder}/policy.toml: cannot be opened (file is not a database)",
        ),
        ("postgresql://u:p@host:notaport/db", "INSIGHT_LEDGER: not a valid postgresql:// URL"),
    ],
)
def test_a_ledger_setting_naming_no_ledger_is_one_line(
    tmp_path: Path, setting: str, message: str
) -> None:
    (tmp_path / "policy.toml").write_text("[retention]\nclosed_account_days = 28\n" * 300)
    env = {"INSIGHT_LEDGER": setting.format(folder=tmp_path)}
    for command in (["history"], ["ledger", "verify"]):
        done = run_cli(*command, env=env)
        assert (done.returncode, done.stderr) == (2, f"error: {message.format(folder=tmp_path)}\n")


def test_a_ledger_of_a_newer_schema_is_refused(new_ledger_setting: str) -> None:
    ledger = open_ledger(new_ledger_setting)
    with ledger.engine.connect() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))
        connection.commit()
    close_ledgers()
    done = run_cli("ledger", "verify", env={"INSIGHT_LEDGER": new_ledger_setting})
    assert done.returncode == 2
    assert done.stderr.endswith(
        ": its schema revision is unknown here (made by another version of the workbench, "
        "or not a ledger)\n"
    )
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "made",
    [["CREATE TABLE customers (name TEXT, email TEXT)"], ["CREATE VIEW contacts AS SELECT 1"]],
    ids=["table", "view"],
)
def test_another_application_s_database_is_refused_and_left_alone(
    new_ledger_setting: str, sample_path: Path, made: list[str]
) -> None:
    """A database holding tables or views but no ledger is not an empty ledger: no
    command writes the ledger's tables into it or finds it intact."""
    _refused_and_left_alone(new_ledger_setting, sample_path, made)


def test_another_application_s_schema_counts_too(postgres_server: Any, sample_path: Path) -> None:
    """PostgreSQL: tables in a schema other than the default one are another's too."""
    made = ["CREATE SCHEMA app", "CREATE TABLE app.customers (name TEXT)"]
    _refused_and_left_alone(str(postgres_server.new_database()), sample_path, made)


def _refused_and_left_alone(setting: str, sample_path: Path, made: list[str]) -> None:
    url = setting.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url if "://" in url else f"sqlite:///{url}")
    with engine.begin() as connection:
        for statement in made:
            connection.execute(text(statement))
        before = inspect(connection).get_table_names()
    env = {"INSIGHT_LEDGER": setting}
    for command in (["ledger", "verify"], ["history"], ["check", sample_path, "--record"]):
        done = run_cli(*command, env=env)
        assert done.returncode == 2, command
        assert done.stderr.endswith(
            ": holds 1 other table(s) or view(s) and no ledger "
            "(name a new or empty database, or an existing ledger)\n"
        )
    close_ledgers()
    with engine.connect() as connection:
        assert inspect(connection).get_table_names() == before
    engine.dispose()


def test_no_personal_values_reach_the_ledger(ledger_setting: str, tmp_path: Path) -> None:
    from canary_people import ORGS, build_canary_snapshot, canaries

    from insight_workbench.loading.snapshot import load_snapshot

    snapshot = load_snapshot(build_canary_snapshot(tmp_path / "canary"))
    record_run(open_ledger(ledger_setting), run_check(snapshot, load_policy()), source="cli")
    with reading(open_ledger(ledger_setting)) as connection:
        text = "\n".join(
            str(value)
            for table in metadata.sorted_tables
            for row in connection.execute(select(table)).all()
            for value in row
        )
    assert "org:" in text  # the ledger did record something
    ids = {org_id for org_id, _, _ in ORGS}  # keys name organisations by their id
    values = [canary for canary in canaries() if canary not in ids]
    leaked = [canary for canary in values if canary.lower() in text.lower()]
    assert leaked == []


def test_a_run_before_the_year_1000_is_stored_sortable_and_read_back(
    ledger_setting: str, sample_path: Path
) -> None:
    env = {"INSIGHT_LEDGER": ledger_setting}
    done = run_cli("check", sample_path, "--as-of", "0999-06-01", "--record", "--quiet", env=env)
    assert done.returncode in (0, 1), done.stderr
    with reading(open_ledger(ledger_setting)) as connection:
        [as_of] = connection.execute(select(runs.c.as_of)).scalars().all()
    assert as_of == "0999-06-01T00:00:00.000000Z"
    history = run_cli("history", "--format", "json", env=env)
    assert history.returncode == 0, history.stderr
    assert json.loads(history.stdout)["runs"][0]["as_of"] == "0999-06-01T00:00:00Z"


def test_an_instant_stored_without_its_year_s_leading_zeros_is_read() -> None:
    assert parsed("999-06-01T00:00:00.000000Z") == datetime(999, 6, 1, tzinfo=UTC)
    assert parsed("2026-06-01T00:00:00.000000Z") == datetime(2026, 6, 1, tzinfo=UTC)


def test_ledger_verify_says_when_others_may_read_an_existing_ledger(tmp_path: Path) -> None:
    """A ledger made otherwise (by hand, a copy) keeps its mode: `ledger verify` says
    so on stderr, and its verdict is unchanged."""
    from cli_runner import run_cli

    setting = str(tmp_path / "ledger.sqlite")
    record_run(open_ledger(setting), run_check(_tiny(tmp_path), load_policy()), "cli", "dpo")
    close_ledgers()
    private = run_cli("ledger", "verify", env={"INSIGHT_LEDGER": setting})
    assert private.returncode == 0
    assert "note:" not in private.stderr
    os.chmod(setting, 0o711)  # execute alone lets no one read or write it
    assert "note:" not in run_cli("ledger", "verify", env={"INSIGHT_LEDGER": setting}).stderr
    os.chmod(setting, 0o644)
    shared = run_cli("ledger", "verify", env={"INSIGHT_LEDGER": setting})
    assert shared.returncode == 0
    assert shared.stdout == private.stdout
    assert f"note: ledger {setting} can be read or written by others (mode 0644)" in shared.stderr


@pytest.fixture(scope="module")
def sample_result(sample: Snapshot):
    return run_check(sample, load_policy())


CHANGED = "broken at entry 1: the run it records was changed since"
GONE = "broken at entry 1: the run it records is no longer in the ledger"


@pytest.mark.parametrize(
    ("statements", "says"),
    [
        (["UPDATE ledger_holdings SET rows = '{}'"], CHANGED),  # the data "gone"
        (["DELETE FROM ledger_findings WHERE rule = 'RET-001'"], CHANGED),
        (["UPDATE ledger_runs SET exported_at = '2020-01-01T00:00:00.000000Z'"], CHANGED),
        (["UPDATE ledger_findings SET due = NULL WHERE rule = 'RET-001'"], CHANGED),
        (
            [
                "DELETE FROM ledger_findings",
                "DELETE FROM ledger_holdings",
                "DELETE FROM ledger_runs",
            ],
            GONE,
        ),
    ],
)
def test_a_recorded_run_changed_by_hand_is_found_by_verify(
    ledger_setting: str, sample_result, statements: list[str], says: str
) -> None:
    """History and deletion certificates are read from the runs, outside the hash chains:
    the run's entry in the audit trail seals what was recorded."""
    record_run(open_ledger(ledger_setting), sample_result, source="cli", by="dpo")
    assert run_cli("ledger", "verify", env={"INSIGHT_LEDGER": ledger_setting}).returncode == 0
    with open_ledger(ledger_setting).engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    done = run_cli("ledger", "verify", env={"INSIGHT_LEDGER": ledger_setting})
    assert done.returncode == 1
    assert f"audit trail: {says}" in done.stdout


@pytest.mark.parametrize(
    ("viewed", "recorded_at", "entry"),
    [(True, "2030-01-01", 3), (False, "2030-01-01", 2), (False, "2000-01-01", 1)],
    ids=["after every entry", "the count short", "the count short, before every entry"],
)
def test_a_run_added_by_hand_is_found_by_verify(
    ledger_setting: str, sample_result, viewed: bool, recorded_at: str, entry: int
) -> None:
    """A forged later run would clear every organisation in the deletion register: a run
    is written with its entry, so one that no entry records was added by hand. It is
    found at the first entry written after its recording time, or the next number,
    whether the count of entries shows it (no page viewed since) or not."""
    from insight_workbench.ledger import audit_trail

    ledger = open_ledger(ledger_setting)
    record_run(ledger, sample_result, source="cli", by="dpo")
    if viewed:
        audit_trail.log(ledger, "dpo", "dpo", "page_view", ["page:retention"], None)
    columns = [c.name for c in runs.columns]
    forged = {
        "run_id": "'" + "f" * 64 + "'",
        "exported_at": "'2030-01-01T00:00:00.000000Z'",
        "recorded_at": f"'{recorded_at}T00:00:00.000000Z'",
    }
    chosen = ", ".join(forged.get(c, c) for c in columns)
    with ledger.engine.begin() as connection:
        connection.execute(
            text(f"INSERT INTO ledger_runs ({', '.join(columns)}) SELECT {chosen} FROM ledger_runs")
        )
    done = run_cli("ledger", "verify", env={"INSIGHT_LEDGER": ledger_setting})
    assert done.returncode == 1
    assert (
        f"audit trail: broken at entry {entry}: a recorded run that no entry records was "
        "added outside the workbench, or its entry was removed" in done.stdout
    )


def test_bytes_put_into_a_finding_by_hand_are_named_not_a_crash(
    tmp_path: Path, sample_result
) -> None:
    setting = str(tmp_path / "ledger.sqlite")
    record_run(open_ledger(setting), sample_result, source="cli", by="dpo")
    close_ledgers()
    with sqlite3.connect(setting) as connection:
        connection.execute(
            "UPDATE ledger_findings SET rule = CAST(rule AS BLOB) "
            "WHERE rowid = (SELECT min(rowid) FROM ledger_findings)"
        )
    done = run_cli("ledger", "verify", env={"INSIGHT_LEDGER": setting})
    assert "Traceback" not in done.stderr
    assert done.returncode == 1
    assert "the run it records was changed since" in done.stdout
