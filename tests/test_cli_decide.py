"""`decide`: decisions about findings from the command line, refusals with exit 2."""

from __future__ import annotations

import getpass
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_runner import run_cli, run_script

from insight_workbench.ledger import chain
from insight_workbench.ledger.database import open_ledger, reading
from insight_workbench.ledger.decisions import london_today
from insight_workbench.ledger.tables import decisions, runs

pytestmark = pytest.mark.slow  # started first: see tests/conftest.py

DPO = "dpo@example.org"
P4 = ("processor:P4", "--rule", "TPP-001")


@pytest.fixture
def env(lifecycle_ledger: str) -> dict[str, str]:
    """The environment of a command line using a ledger of four recorded runs."""
    return {"INSIGHT_LEDGER": lifecycle_ledger, "INSIGHT_USER": DPO}


def in_days(days: int) -> str:
    return (london_today(datetime.now(UTC)) + timedelta(days=days)).isoformat()


def finding(env: dict[str, str], key: str = "processor:P4") -> dict:
    done = run_cli("history", "--key", key, "--format", "json", env=env)
    assert done.returncode == 0, done.stderr
    [found] = json.loads(done.stdout)["findings"]
    return found


def decide(env: dict[str, str], *args: str) -> None:
    done = run_cli("decide", *P4, *args, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Recorded ")


def test_each_action_is_recorded_with_who_and_why(env: dict[str, str]) -> None:
    decide(env, "--acknowledge")
    decide(env, "--assign", "Vendor team", "--note", "Chase the assessment")
    decide(env, "--note", "Assessment booked")
    decisions = finding(env)["decisions"]
    assert [(d["action"], d["by"], d["owner"], d["note"]) for d in decisions] == [
        ("acknowledge", DPO, None, None),
        ("assign", DPO, "Vendor team", "Chase the assessment"),
        ("note", DPO, None, "Assessment booked"),
    ]


def test_an_exception_is_shown_then_withdrawn(env: dict[str, str]) -> None:
    until = in_days(30)
    done = run_cli(
        "decide", *P4, "--except", "--basis", "Contract ends", "--approver", "Board",
        "--until", until, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"(until {until})" in done.stdout
    excepted = finding(env)
    assert excepted["state"] == "excepted"
    exception = excepted["exception"]
    assert exception.pop("at").endswith("Z")
    assert exception == {"basis": "Contract ends", "approver": "Board", "until": until, "by": DPO}
    table = run_cli("history", "--key", "processor:P4", env=env).stdout
    assert until in table
    decide(env, "--withdraw-exception", "--note", "Contract renewed")
    withdrawn = finding(env)
    assert (withdrawn["state"], withdrawn["exception"]) == ("open", None)
    again = run_cli("decide", *P4, "--withdraw-exception", env=env)
    assert again.returncode == 2
    assert "has no exception in force to withdraw" in again.stderr


EXCEPTION = ("--except", "--basis", "Contract ends", "--approver", "Board")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--except", "--approver", "Board", "--until", "2099-01-01"), "--except needs --basis"),
        (("--except", "--basis", "Contract", "--until", "2099-01-01"), "needs --approver"),
        (("--except", "--basis", "Contract", "--approver", "Board"), "needs --until"),
        ((*EXCEPTION, "--until", "2020-01-01"), "--until: an exception's end date must be after"),
        ((*EXCEPTION, "--until", "today"), "--until: an exception's end date must be after"),
        ((*EXCEPTION, "--until", "30/06/2099"), "--until: give a date as YYYY-MM-DD"),
        ((*EXCEPTION, "--until", "2099-W10-1"), "--until: give a date as YYYY-MM-DD"),
        (("--except", "--basis", " ", "--approver", "Board", "--until", "2099-01-01"), "--basis: "),
        (("--acknowledge", "--until", "2099-01-01"), "--until: only with --except"),
        (("--acknowledge", "--assign", "Vendor team"), "give one action at a time"),
        ((), "give one action: --acknowledge"),
        (("--note", ""), "--note: a note needs its text"),
        (("--assign", " "), "--assign: the owner is required"),
    ],
)
def test_an_incomplete_decision_is_exit_2(
    ledger_setting: str, args: tuple[str, ...], message: str
) -> None:
    # Refused before the ledger is read: an empty ledger will do, and stays empty.
    args = tuple(in_days(0) if a == "today" else a for a in args)
    done = run_cli("decide", *P4, *args, env={"INSIGHT_LEDGER": ledger_setting})
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    with reading(open_ledger(ledger_setting)) as connection:
        assert chain.count(connection, decisions) == 0


def test_a_decision_about_no_recorded_finding_is_exit_2(env: dict[str, str]) -> None:
    done = run_cli("decide", "processor:P2", "--rule", "TPP-001", "--acknowledge", env=env)
    assert done.returncode == 2
    assert "no recorded run has this finding" in done.stderr
    wrong_rule = run_cli("decide", "processor:P4", "--rule", "RET-001", "--acknowledge", env=env)
    assert wrong_rule.returncode == 2


def test_a_decision_without_a_ledger_file_is_exit_2_and_makes_none(tmp_path: Path) -> None:
    """No ledger, no recorded finding: a mistyped path must not leave a new ledger."""
    missing = tmp_path / "ledger.sqlite"
    env = {"INSIGHT_LEDGER": str(missing), "INSIGHT_USER": "dpo@example.org"}
    done = run_cli("decide", "org:O1", "--rule", "RET-001", "--acknowledge", env=env)
    assert done.returncode == 2
    assert "no such file (no ledger has been written there), so no run is recorded" in done.stderr
    assert not missing.exists()


def test_a_decision_on_an_empty_ledger_file_or_database_is_exit_2_and_makes_none(
    tmp_path: Path, postgres_server: object
) -> None:
    """An empty SQLite file or PostgreSQL database holds no recorded finding either: the
    decision is refused there as where no file is, and no ledger is left to be found
    intact by `ledger verify`."""
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.engine import make_url

    empty = tmp_path / "ledger.sqlite"
    empty.write_bytes(b"")
    url = postgres_server.new_database()  # type: ignore[attr-defined]
    for setting in (str(empty), url):
        env = {"INSIGHT_LEDGER": setting, "INSIGHT_USER": "dpo@example.org"}
        done = run_cli("decide", "org:O1", "--rule", "RET-001", "--acknowledge", env=env)
        assert done.returncode == 2
        assert "so no run is recorded to decide on" in done.stderr
        verified = run_cli("ledger", "verify", env=env)
        assert verified.returncode == 2, verified.stdout
    assert empty.stat().st_size == 0
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    with engine.connect() as connection:
        assert inspect(connection).get_table_names() == []
    engine.dispose()


def test_the_rule_code_may_be_written_in_lower_case(env: dict[str, str]) -> None:
    done = run_cli("decide", "processor:P4", "--rule", "tpp-001", "--acknowledge", env=env)
    assert done.returncode == 0, done.stderr
    assert [d["action"] for d in finding(env)["decisions"]] == ["acknowledge"]


def test_the_installed_command(env: dict[str, str]) -> None:
    done = run_script(
        "decide", *P4, "--note", "Seen on the monthly review", env={**os.environ, **env}
    )
    assert done.returncode == 0, done.stderr
    assert "Recorded note for TPP-001 processor:P4 by dpo@example.org at " in done.stdout


REFUSE_WRITES = {
    "sqlite": [
        "CREATE TRIGGER refuse BEFORE INSERT ON ledger_decisions "
        "BEGIN SELECT RAISE(ABORT, 'refused'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$",
        "CREATE TRIGGER refuse BEFORE INSERT ON ledger_decisions "
        "FOR EACH ROW EXECUTE FUNCTION refuse()",
    ],
}


def test_a_ledger_refusing_the_write_is_named_and_the_decision_never_shown(
    env: dict[str, str], lifecycle_ledger: str
) -> None:
    """A ledger that cannot take the write (read-only, full, a trigger): one line, exit 2,
    and never the statement's values, which hold the names and notes given."""
    ledger = open_ledger(lifecycle_ledger)
    with ledger.engine.connect() as connection:
        for statement in REFUSE_WRITES[ledger.backend]:
            connection.exec_driver_sql(statement)
        connection.commit()
    done = run_cli(
        "decide", *P4, "--assign", "Rachel Lloyd", "--note", "call rachel@example.org", env=env
    )
    assert done.returncode == 2
    assert done.stderr == f"error: ledger {ledger.where}: cannot be written (refused)\n"


@pytest.mark.parametrize("key", ["", " "])
def test_an_empty_key_is_refused(env: dict[str, str], key: str) -> None:
    done = run_cli("decide", key, "--rule", "RET-001", "--acknowledge", env=env)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "error: KEY: an empty key was given\n"


def test_a_blank_acting_user_is_named(env: dict[str, str]) -> None:
    done = run_cli("decide", *P4, "--acknowledge", env={**env, "INSIGHT_USER": "   "})
    assert (done.returncode, done.stderr) == (
        2,
        "error: INSIGHT_USER: must name who is acting, not be blank\n",
    )


def test_an_acting_user_set_empty_is_the_operating_system_user(env: dict[str, str]) -> None:
    """Set empty, as every other setting, it is as if unset; spaces alone are refused."""
    done = run_cli("decide", *P4, "--acknowledge", env={**env, "INSIGHT_USER": ""})
    assert done.returncode == 0, done.stderr
    assert f" by {getpass.getuser()} " in done.stdout


INVISIBLE = "holds a control character, line break, bidi control or invisible character"


@pytest.mark.parametrize(
    ("who", "problem"),
    [
        ("caf\udce9", "not valid UTF-8 (check the terminal's encoding)"),  # the byte 0xE9
        ("x" * 401, "too long (401 characters; at most 400)"),
        ("dpo\nsecond entry", INVISIBLE),
        ("dpo\x1b[31m", INVISIBLE),
        ("dpo\u2028x", INVISIBLE),
        ("dpo\u202eevil", INVISIBLE),
        ("dpo\u200b@example.org", INVISIBLE),  # reads as dpo@example.org
        ("d\u00adpo", INVISIBLE),  # a soft hyphen
        ("a\u3164b", INVISIBLE),  # a Hangul filler: a letter drawn as nothing
        ("dpo\u034f", INVISIBLE),  # the combining grapheme joiner
        ("\u2800", INVISIBLE),  # the blank Braille pattern
    ],
)
def test_an_acting_user_the_ledger_cannot_hold_is_refused_alike_by_every_command(
    env: dict[str, str], lifecycle_ledger: str, sample_path: Path, who: str, problem: str
) -> None:
    """One check for every command that records who acted, the same on both backends:
    exit 2 and one line (for `check`, exit 1 would mean findings), nothing recorded."""
    before = counts(lifecycle_ledger)
    acting = {**env, "INSIGHT_USER": who}
    for argv in (("decide", *P4, "--acknowledge"), ("check", sample_path, "--record")):
        done = run_cli(*argv, env=acting)
        assert (done.returncode, done.stdout) == (2, ""), argv
        assert done.stderr == f"error: INSIGHT_USER: {problem}\n", argv
    assert counts(lifecycle_ledger) == before


def test_the_longest_acting_user_is_recorded(env: dict[str, str]) -> None:
    done = run_cli("decide", *P4, "--acknowledge", env={**env, "INSIGHT_USER": "x" * 400})
    assert done.returncode == 0, done.stderr
    assert finding(env)["decisions"][0]["by"] == "x" * 400


def counts(setting: str) -> tuple[int, int]:
    """Recorded runs and decisions."""
    with reading(open_ledger(setting)) as connection:
        return (chain.count(connection, runs), chain.count(connection, decisions))
