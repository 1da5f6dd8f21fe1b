"""The audit trail and `ledger verify` / `ledger prune`, on SQLite and a real PostgreSQL
server: entries hash-chained, tampering through SQL found at the right entry, pruning
that leaves the rest verifiable."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from cli_runner import run_cli
from sqlalchemy import Table, create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from insight_workbench.errors import InputError
from insight_workbench.ledger import audit_trail, chain
from insight_workbench.ledger.database import close_ledgers, open_ledger, reading, writing
from insight_workbench.ledger.instants import stored
from insight_workbench.ledger.tables import audit, checkpoints, decisions, runs
from insight_workbench.policy import load_policy


def fill(setting: str, entries: int = 5, made: int = 4) -> None:
    """`entries` audit entries and `made` decisions."""
    ledger = open_ledger(setting)
    for n in range(1, entries + 1):
        keys = ["page:retention", f"org:O{n}"]
        audit_trail.log(ledger, "dpo@example.org", "dpo", "page_view", keys, "S1")
    with writing(ledger) as connection:
        for n in range(1, made + 1):
            fields = {"rule": "RET-001", "key": f"org:O{n}", "action": "acknowledge"}
            chain.append(connection, decisions, {**fields, "by": "dpo", "at": "2026-01-01"})


RUN = {
    "run_id": "r1",
    "snapshot_id": "S1",
    "manifest_sha256": "0" * 64,
    "exported_at": "2026-11-28T02:00:00.000000Z",
    "as_of": "2026-11-28T02:00:00.000000Z",
    "policy": "{}",
    "rules": "[]",
    "workbench_version": "test",
    "recorded_at": "2026-11-28T03:00:00.000000Z",
    "recorded_by": "dpo",
    "source": "cli",
}


def decide_three(setting: str) -> None:
    """Three decisions, each with its audit entry in the same transaction, as `decide`
    writes them."""
    with writing(open_ledger(setting)) as connection:
        for n in range(1, 4):
            fields = {"rule": "RET-001", "key": f"org:O{n}", "action": "acknowledge"}
            chain.append(connection, decisions, {**fields, "by": "dpo", "at": "2026-01-01"})
            audit_trail.append_entry(connection, "dpo", "cli", "decision", [f"org:O{n}"], None)


def verify(setting: str) -> tuple[int, str]:
    done = run_cli("ledger", "verify", env={"INSIGHT_LEDGER": setting})
    assert "Traceback" not in done.stderr
    return done.returncode, done.stdout


def remove_with_head(setting: str, table: str, where: str = "") -> None:
    """Entries of `table` removed (those matching `where`, else all), with the record of
    the chain's head."""
    sql(
        setting, f"DELETE FROM {table} {where}", f"DELETE FROM ledger_heads WHERE chain = '{table}'"
    )


def sql(setting: str, *statements: str) -> None:
    """Tampering as someone with the database's password would: plain SQL."""
    with open_ledger(setting).engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def test_entries_hold_who_role_action_keys_and_snapshot(ledger_setting: str) -> None:
    ledger = open_ledger(ledger_setting)
    first = audit_trail.log(ledger, "dpo@example.org", "dpo", "sign_in", [], None)
    second = audit_trail.log(
        ledger, "dpo@example.org", "dpo", "csv_export", ["org:O2", "org:O1", "org:O2"], "S1"
    )
    assert (first, second) == (1, 2)
    with reading(ledger) as connection:
        rows = connection.execute(select(audit).order_by(audit.c.seq)).mappings().all()
    assert [r["action"] for r in rows] == ["sign_in", "csv_export"]
    assert json.loads(rows[1]["object_keys"]) == ["org:O1", "org:O2"]
    assert rows[1]["snapshot_id"] == "S1"
    assert rows[0]["prev_hash"] == chain.GENESIS
    assert rows[1]["prev_hash"] == rows[0]["hash"]
    assert datetime.fromisoformat(rows[1]["at"]) <= datetime.now(UTC)


@pytest.mark.parametrize(
    ("action", "keys", "message"),
    [
        ("peek", [], "unknown audit action"),
        ("page_view", ["ip:203.0.113.9"], "no keys of kind 'ip'"),
        ("page_view", ["someone@example.org"], "no keys of kind"),
        ("page_view", ["org:O1\nforged entry"], "no keys of kind"),
        ("page_view", ["org: "], "no keys of kind"),
    ],
)
def test_unknown_actions_and_values_as_keys_are_refused(
    ledger_setting: str, action: str, keys: list[str], message: str
) -> None:
    ledger = open_ledger(ledger_setting)
    with pytest.raises(ValueError, match=message) as refused:
        audit_trail.log(ledger, "dpo", "dpo", action, keys, None)
    assert "203.0.113.9" not in str(refused.value)
    assert "someone" not in str(refused.value)
    assert audit_trail.verify(ledger)[0].entries == 0


def test_an_untouched_ledger_is_intact(ledger_setting: str) -> None:
    fill(ledger_setting)
    assert verify(ledger_setting) == (0, "intact (5 audit entries, 4 decisions)\n")


def test_an_empty_ledger_is_intact(ledger_setting: str) -> None:
    assert verify(ledger_setting) == (0, "intact (0 audit entries, 0 decisions)\n")


TAMPERING = {
    "a field changed": (["UPDATE {t} SET {field} = 'someone else' WHERE seq = 3"], 3, "changed"),
    "a middle entry removed": (["DELETE FROM {t} WHERE seq = 3"], 3, "missing"),
    "the last entry removed": (["DELETE FROM {t} WHERE seq = {last}"], "last", "removed"),
    "two entries swapped": (
        [
            "UPDATE {t} SET seq = -1 WHERE seq = 2",
            "UPDATE {t} SET seq = 2 WHERE seq = 4",
            "UPDATE {t} SET seq = 4 WHERE seq = -1",
        ],
        2,
        "removed or reordered",
    ),
}


@pytest.mark.parametrize("how", TAMPERING)
@pytest.mark.parametrize(
    ("table", "name", "field"), [(audit, "audit trail", "who"), (decisions, "decisions", "by")]
)
def test_tampering_names_the_chain_and_the_first_entry_touched(
    ledger_setting: str, how: str, table: Table, name: str, field: str
) -> None:
    fill(ledger_setting)
    statements, entry, words = TAMPERING[how]
    last = {audit: 5, decisions: 4}[table]
    column = f'"{field}"'  # `by` is a reserved word in SQL
    sql(ledger_setting, *(s.format(t=table.name, field=column, last=last) for s in statements))
    code, out = verify(ledger_setting)
    assert code == 1
    broken = [line for line in out.splitlines() if "broken" in line]
    assert broken == [line for line in broken if line.startswith(f"{name}: broken at entry ")]
    assert len(broken) == 1
    assert f"{name}: broken at entry {last if entry == 'last' else entry}: " in out
    assert words in broken[0]
    other = "decisions" if name == "audit trail" else "audit trail"
    assert f"{other}: intact" in out


@pytest.mark.parametrize(
    ("table", "name", "last"), [(audit, "audit trail", 5), (decisions, "decisions", 4)]
)
def test_the_last_entry_removed_with_the_record_of_the_head_is_found(
    ledger_setting: str, table: Table, name: str, last: int
) -> None:
    fill(ledger_setting)
    remove_with_head(ledger_setting, table.name, f"WHERE seq = {last}")
    code, out = verify(ledger_setting)
    assert code == 1
    assert f"{name}: broken at entry {last}: the record of the chain's last entry was " in out


def test_the_head_record_rewritten_by_hand_names_the_last_entry(ledger_setting: str) -> None:
    fill(ledger_setting)
    sql(
        ledger_setting,
        # another first digit, whatever the hash was
        "UPDATE ledger_heads SET hash = CASE WHEN SUBSTR(hash, 1, 1) = '0' THEN '1' ELSE '0' "
        "END || SUBSTR(hash, 2) WHERE chain = 'ledger_audit'",
    )
    code, out = verify(ledger_setting)
    assert code == 1
    assert "audit trail: broken at entry 5: it is not the entry the ledger last wrote" in out


AFTER_A_WRITE = {
    "the last two entries removed": (
        ["DELETE FROM ledger_audit WHERE seq >= 4"],
        "audit trail: broken at entry 4: entry 4 is missing",
    ),
    "the last entry and the head's record removed": (
        [
            "DELETE FROM ledger_audit WHERE seq = 5",
            "DELETE FROM ledger_heads WHERE chain = 'ledger_audit'",
        ],
        "the record of the chain's last entry was removed by hand",
    ),
    "the head's record rewritten": (
        [
            "UPDATE ledger_heads SET hash = CASE WHEN SUBSTR(hash, 1, 1) = '0' THEN '1' ELSE '0' "
            "END || SUBSTR(hash, 2) WHERE chain = 'ledger_audit'"
        ],
        "audit trail: broken at entry 5: the record of the chain's last entry was changed by hand",
    ),
}


@pytest.mark.parametrize("how", AFTER_A_WRITE)
def test_tampering_is_still_found_after_the_next_ordinary_write(
    ledger_setting: str, how: str
) -> None:
    """Every page view appends an entry: it must not paper over what was done before."""
    fill(ledger_setting)
    statements, said = AFTER_A_WRITE[how]
    sql(ledger_setting, *statements)
    before = verify(ledger_setting)
    audit_trail.log(
        open_ledger(ledger_setting), "dpo", "dpo", "page_view", ["page:audit_log"], "S1"
    )
    code, out = verify(ledger_setting)
    assert before[0] == code == 1
    assert said in out
    assert "decisions: intact" in out


@pytest.mark.parametrize(("table", "name"), [(audit, "audit trail"), (decisions, "decisions")])
def test_a_chain_emptied_with_its_head_is_found_from_what_the_other_logs(
    ledger_setting: str, table: Table, name: str
) -> None:
    """Each decision (and recorded run) is written with an audit entry: emptying either
    chain and its head record leaves more logged than the chain holds."""
    decide_three(ledger_setting)
    assert verify(ledger_setting)[0] == 0
    remove_with_head(ledger_setting, table.name)
    code, out = verify(ledger_setting)
    assert code == 1
    assert f"{name}: broken at entry 1: entries from here on were removed" in out
    # With no entry left, a run added by hand would look the same: both are named.
    assert ("or runs or decisions were added by hand" in out) == (table is audit)
    pruned = run_cli("ledger", "prune", env={"INSIGHT_LEDGER": ledger_setting})
    assert pruned.returncode == (1 if table is audit else 0)


def test_an_emptied_chain_stays_found_however_many_pages_are_viewed_after(
    ledger_setting: str,
) -> None:
    decide_three(ledger_setting)
    sql(
        ledger_setting,
        "DELETE FROM ledger_audit",
        "DELETE FROM ledger_heads WHERE chain = 'ledger_audit'",
    )
    for _ in range(5):  # more entries than the runs and decisions owe
        audit_trail.log(open_ledger(ledger_setting), "dpo", "dpo", "page_view", [], None)
    code, out = verify(ledger_setting)
    assert code == 1
    assert "audit trail: broken at entry 6: the record of the chain's last entry was removed" in out


@pytest.mark.parametrize("number", [2147483647, 2147483646, 2**30])
def test_a_head_number_out_of_reach_is_left_as_found_and_writing_goes_on(
    ledger_setting: str, number: int
) -> None:
    fill(ledger_setting)
    sql(ledger_setting, f"UPDATE ledger_heads SET seq = {number} WHERE chain = 'ledger_audit'")
    for seq in (6, 7, 8):
        assert (
            audit_trail.log(open_ledger(ledger_setting), "dpo", "dpo", "sign_in", [], None) == seq
        )
    assert verify(ledger_setting)[0] == 1


def test_an_emptied_chain_of_one_run_stays_found_after_a_page_view(ledger_setting: str) -> None:
    """One recorded run owes one audit entry: a page view is not it."""
    with writing(open_ledger(ledger_setting)) as connection:
        connection.execute(runs.insert().values(**RUN))
        audit_trail.append_entry(connection, "dpo", "cli", "run_recorded", ["run:r1"], "S1")
    audit_trail.log(open_ledger(ledger_setting), "dpo", "dpo", "page_view", [], None)
    assert verify(ledger_setting)[0] == 0
    sql(
        ledger_setting,
        "DELETE FROM ledger_audit",
        "DELETE FROM ledger_heads WHERE chain = 'ledger_audit'",
    )
    audit_trail.log(open_ledger(ledger_setting), "dpo", "dpo", "page_view", [], None)
    code, out = verify(ledger_setting)
    assert code == 1
    assert "audit trail: broken at entry 2: the record of the chain's last entry was removed" in out


@pytest.mark.parametrize(
    ("statement", "words"),
    [
        ("UPDATE ledger_heads SET seq = 'abc' WHERE chain = 'ledger_audit'", "changed by hand"),
        ("UPDATE ledger_heads SET seq = '' WHERE chain = 'ledger_audit'", "changed by hand"),
        ("UPDATE ledger_heads SET hash = 7 WHERE chain = 'ledger_audit'", "changed by hand"),
        (
            "INSERT INTO ledger_checkpoints VALUES ('ledger_audit', 'x', 'y', 'z', 1)",
            "the checkpoint before it was changed by hand",
        ),
        (
            f"INSERT INTO ledger_checkpoints VALUES ('ledger_audit', 0, '{chain.GENESIS}', 'z', "
            "'many')",
            "the checkpoint before it was changed by hand",
        ),
        (
            f"INSERT INTO ledger_checkpoints VALUES ('ledger_audit', 0, '{chain.GENESIS}', 'z', "
            "-5)",
            "the checkpoint before it was changed by hand",
        ),
    ],
)
def test_bookkeeping_values_put_in_by_hand_are_named_not_a_crash(
    tmp_path: Path, statement: str, words: str
) -> None:
    """SQLite lets an integer column hold any text (PostgreSQL refuses it)."""
    setting = str(tmp_path / "ledger.sqlite")
    fill(setting)
    sql(setting, statement)
    code, out = verify(setting)
    assert code == 1
    assert "audit trail: broken at entry " in out
    assert words in out
    pruned = run_cli("ledger", "prune", env={"INSIGHT_LEDGER": setting})
    assert "Traceback" not in pruned.stderr
    assert pruned.returncode == 1


@pytest.mark.parametrize(("table", "field"), [(audit, "object_keys"), (decisions, "action")])
def test_a_field_stored_as_bytes_by_hand_is_named_not_a_crash(
    tmp_path: Path, table: Table, field: str
) -> None:
    """SQLite lets a text column hold bytes: such an entry was changed after it was
    written, and is named as such (PostgreSQL's text columns refuse bytes)."""
    setting = str(tmp_path / "ledger.sqlite")
    fill(setting)
    sql(setting, f"UPDATE {table.name} SET {field} = CAST({field} AS BLOB) WHERE seq = 2")
    code, out = verify(setting)
    name = "audit trail" if table is audit else "decisions"
    assert code == 1
    assert f"{name}: broken at entry 2: " in out
    pruned = run_cli("ledger", "prune", env={"INSIGHT_LEDGER": setting})
    assert "Traceback" not in pruned.stderr
    assert pruned.returncode == (1 if table is audit else 0)


def test_an_entry_numbered_before_the_first_is_named_not_entry_1(ledger_setting: str) -> None:
    fill(ledger_setting)
    sql(
        ledger_setting,
        'INSERT INTO ledger_decisions (seq, rule, key, action, "by", at, prev_hash, hash) '
        'SELECT 0, rule, key, action, "by", at, prev_hash, hash FROM ledger_decisions '
        "WHERE seq = 1",
    )
    code, out = verify(ledger_setting)
    assert code == 1
    assert "decisions: broken at entry 0: it was added outside the ledger" in out


def test_pruning_a_ledger_file_that_is_not_there_is_an_error(tmp_path: Path) -> None:
    """A mistyped path in a scheduled prune must fail, not make a new ledger."""
    missing = tmp_path / "ledger.sqlite"
    done = run_cli("ledger", "prune", env={"INSIGHT_LEDGER": str(missing)})
    assert done.returncode == 2
    assert "no such file" in done.stderr
    assert not missing.exists()


def test_an_entry_added_outside_the_ledger_is_found(ledger_setting: str) -> None:
    fill(ledger_setting, entries=2)
    row = {"seq": 3, "at": stored(datetime.now(UTC)), "who": "x", "role": "dpo"}
    with open_ledger(ledger_setting).engine.begin() as connection:
        connection.execute(
            audit.insert().values(
                **row, action="sign_in", object_keys="[]", prev_hash="0" * 64, hash="0" * 64
            )
        )
    code, out = verify(ledger_setting)
    assert code == 1
    assert "audit trail: broken at entry 3" in out


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T12:00:00+00:00")


def log_on(monkeypatch: pytest.MonkeyPatch, setting: str, day: str, count: int) -> None:
    """Entries written on `day` (the trail's clock set to it)."""
    monkeypatch.setattr(audit_trail, "now", lambda: at(day))
    for _ in range(count):
        audit_trail.log(open_ledger(setting), "dpo", "dpo", "sign_in", [], None)


def test_pruning_keeps_the_newer_entries_verifiable(
    ledger_setting: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    log_on(monkeypatch, ledger_setting, "2026-01-01", 3)
    log_on(monkeypatch, ledger_setting, "2026-06-01", 2)
    ledger = open_ledger(ledger_setting)
    done = audit_trail.prune(ledger, date(2026, 6, 10), keep_days=90)
    assert (done.removed, done.kept) == (3, 2)
    with reading(ledger) as connection:
        kept = connection.execute(select(audit.c.seq).order_by(audit.c.seq)).scalars().all()
        point = connection.execute(select(checkpoints)).mappings().one()
    assert kept == [4, 5]
    assert (point["chain"], point["through_seq"], point["pruned"]) == ("ledger_audit", 3, 3)
    log_on(monkeypatch, ledger_setting, "2026-09-01", 1)  # the chain goes on after it
    code, out = verify(ledger_setting)
    assert code == 0
    assert out.splitlines() == [
        "intact (3 audit entries, 0 decisions)",
        "(3 older audit entries pruned under [audit] keep_days)",
    ]
    again = audit_trail.prune(ledger, date(2026, 10, 1), keep_days=90)  # the counts add up
    assert (again.removed, again.kept) == (2, 1)
    assert audit_trail.verify(ledger)[0].pruned == 5
    sql(ledger_setting, "DELETE FROM ledger_audit WHERE seq = 6")
    assert verify(ledger_setting)[0] == 1  # tampering after a prune is still found


def decide_on(monkeypatch: pytest.MonkeyPatch, setting: str, day: str, keys: range) -> None:
    """Decisions made on `day`, each with its audit entry in the same transaction."""
    monkeypatch.setattr(audit_trail, "now", lambda: at(day))
    with writing(open_ledger(setting)) as connection:
        for n in keys:
            fields = {"rule": "RET-001", "key": f"org:O{n}", "action": "acknowledge"}
            chain.append(connection, decisions, {**fields, "by": "dpo", "at": day})
            audit_trail.append_entry(connection, "dpo", "cli", "decision", [f"org:O{n}"], None)


def test_a_pruned_count_raised_to_hide_entries_removed_from_the_end_is_found(
    ledger_setting: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entries removed from the end with the chain's head are found by what they owed
    (each decision's entry), counting those pruned: the count is bound to the
    checkpoint's place, so raising it by hand hides nothing."""
    decide_on(monkeypatch, ledger_setting, "2026-01-01", range(1, 3))
    decide_on(monkeypatch, ledger_setting, "2026-06-01", range(3, 5))
    audit_trail.prune(open_ledger(ledger_setting), date(2026, 6, 10), keep_days=90)
    assert verify(ledger_setting) == (
        0,
        "intact (2 audit entries, 4 decisions)\n"
        "(2 older audit entries pruned under [audit] keep_days)\n",
    )
    removed = [
        "DELETE FROM ledger_audit WHERE seq = 4",
        "DELETE FROM ledger_heads WHERE chain = 'ledger_audit'",
    ]
    sql(ledger_setting, *removed, "UPDATE ledger_checkpoints SET pruned = pruned + 1")
    code, out = verify(ledger_setting)
    assert code == 1
    assert "audit trail: broken at entry 3: the checkpoint before it was changed by hand" in out


def test_pruning_everything_leaves_an_intact_empty_chain(ledger_setting: str) -> None:
    fill(ledger_setting, entries=3, made=1)
    ledger = open_ledger(ledger_setting)
    done = audit_trail.prune(ledger, date(2999, 1, 1), keep_days=90)
    assert (done.removed, done.kept) == (3, 0)
    assert verify(ledger_setting)[0] == 0
    audit_trail.log(ledger, "dpo", "dpo", "sign_in", [], None)
    assert audit_trail.verify(ledger)[0].entries == 1
    assert verify(ledger_setting)[0] == 0


def test_a_broken_chain_is_not_pruned(ledger_setting: str) -> None:
    fill(ledger_setting, entries=3, made=0)
    sql(ledger_setting, "UPDATE ledger_audit SET role = 'analyst' WHERE seq = 1")
    env = {"INSIGHT_LEDGER": ledger_setting}
    done = run_cli("ledger", "prune", env=env)  # the trail is checked before any prune
    assert done.returncode == 1
    assert "audit trail: broken at entry 1" in done.stdout
    assert "nothing was pruned" in done.stdout
    assert audit_trail.verify(open_ledger(ledger_setting))[0].entries == 3


@pytest.mark.parametrize(
    ("today", "said"),
    [
        ("9999-12-31", "after today"),  # it would prune what keep_days promises to keep
        ("0005-12-31", "reach back before year 1"),
        ("", "not a date"),
    ],
)
def test_a_today_that_cannot_be_counted_back_from_is_refused(
    ledger_setting: str, today: str, said: str
) -> None:
    fill(ledger_setting, entries=2, made=0)
    done = run_cli("ledger", "prune", "--today", today, env={"INSIGHT_LEDGER": ledger_setting})
    assert (done.returncode, said in done.stderr, "Traceback" in done.stderr) == (2, True, False)
    assert audit_trail.verify(open_ledger(ledger_setting))[0].entries == 2


def test_prune_on_the_command_line_reads_keep_days_from_the_policy(
    ledger_setting: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    log_on(monkeypatch, ledger_setting, "2026-01-01", 2)
    log_on(monkeypatch, ledger_setting, "2026-05-01", 1)
    policy = tmp_path / "policy.toml"
    policy.write_text("[audit]\nkeep_days = 100\n", encoding="utf-8")
    env = {"INSIGHT_LEDGER": ledger_setting}
    args = ("ledger", "prune", "--today", "2026-06-01")
    kept_all = run_cli(*args, env=env)  # the default keeps six years
    assert kept_all.returncode == 0, kept_all.stderr
    assert kept_all.stdout.startswith("pruned 0 audit entries")
    done = run_cli(*args, "--policy", policy, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "pruned 2 audit entries written before 2026-02-21 (keep_days 100); 1 kept\n"
    )
    for day in ("June", "2026-W10-1"):  # an ISO week date is not YYYY-MM-DD either
        bad = run_cli("ledger", "prune", "--today", day, env=env)
        assert bad.returncode == 2
        assert f"--today {day}: not a date" in bad.stderr


def test_keep_days_is_a_policy_setting_with_a_sane_range(tmp_path: Path) -> None:
    assert load_policy().audit.keep_days == 2190
    assert "audit" not in load_policy().as_dict()  # it judges nothing: not a run's identity
    path = tmp_path / "policy.toml"
    path.write_text("[audit]\nkeep_days = 7\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"\[audit\]\.keep_days must be a whole number"):
        load_policy(path)


def test_entries_are_found_by_who_action_key_and_day(
    ledger_setting: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = open_ledger(ledger_setting)
    monkeypatch.setattr(audit_trail, "now", lambda: at("2026-03-01"))
    audit_trail.log(ledger, "dpo@example.org", "dpo", "page_view", ["org:O1"], "S1")
    audit_trail.log(ledger, "ana@example.org", "analyst", "sign_in", [], "S1")
    monkeypatch.setattr(audit_trail, "now", lambda: at("2026-03-05"))
    audit_trail.log(ledger, "dpo@example.org", "dpo", "csv_export", ["org:O10", "org:O1"], "S1")
    audit_trail.log(ledger, "dpo@example.org", "dpo", "page_view", ["org:O10"], "S1")

    def seqs(**filters: object) -> list[int]:
        return [e.seq for e in audit_trail.entries(ledger, **filters)]  # type: ignore[arg-type]

    assert seqs() == [4, 3, 2, 1]
    assert seqs(who="ana@example.org") == [2]
    assert seqs(actions=["page_view", "csv_export"]) == [4, 3, 1]
    assert seqs(key="org:O1") == [3, 1]  # whole keys: org:O10 is another organisation
    assert seqs(key="org:o1") == []
    assert seqs(since=date(2026, 3, 2)) == [4, 3]
    assert seqs(until=date(2026, 3, 1)) == [2, 1]
    assert audit_trail.people(ledger) == ["ana@example.org", "dpo@example.org"]


def test_an_id_with_spaces_is_a_key_like_any_other(ledger_setting: str) -> None:
    """The contract's ids are any non-empty text: an organisation may be keyed by name."""
    ledger = open_ledger(ledger_setting)
    audit_trail.log(ledger, "dpo", "dpo", "page_view", ["org:Acme Ltd"], "S1")
    assert audit_trail.verify(ledger)[0].entries == 1


def test_verifying_a_ledger_file_that_is_not_there_is_an_error(tmp_path: Path) -> None:
    """A mistyped or deleted ledger is not a new, empty ledger found intact."""
    missing = tmp_path / "gone" / "ledger.sqlite"
    done = run_cli("ledger", "verify", env={"INSIGHT_LEDGER": str(missing)})
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        == f"error: ledger {missing}: no such file (no ledger has been written there)"
    )
    assert not missing.parent.exists()


def test_verifying_an_emptied_ledger_file_is_an_error(tmp_path: Path) -> None:
    wiped = tmp_path / "ledger.sqlite"
    wiped.write_bytes(b"")
    done = run_cli("ledger", "verify", env={"INSIGHT_LEDGER": str(wiped)})
    assert (done.returncode, done.stdout) == (2, "")
    assert "the file is empty (it holds no ledger)" in done.stderr
    assert wiped.stat().st_size == 0


@pytest.mark.parametrize("keys", ["{not json", "5", '["org:O1", 7]'])
def test_an_entry_whose_keys_were_changed_by_hand_is_still_listed(
    tmp_path: Path, keys: str
) -> None:
    setting = str(tmp_path / "ledger.sqlite")
    fill(setting)
    sql(setting, f"UPDATE ledger_audit SET object_keys = '{keys}' WHERE seq = 2")
    listed = audit_trail.entries(open_ledger(setting))
    assert [e.seq for e in listed] == [5, 4, 3, 2, 1]
    assert listed[3].object_keys == [audit_trail.CHANGED_KEYS]
    assert listed[2].object_keys == ["org:O3", "page:retention"]
    assert verify(setting)[0] == 1


def test_a_key_the_trail_cannot_hold_as_text_is_named_by_its_hash() -> None:
    import hashlib

    from insight_workbench.ledger.audit_trail import loggable_key

    assert loggable_key("org:O1") == "org:O1"
    assert loggable_key("processor:P9\n99\u202e") == "processor:P9\\n99\\u202e"
    for key in ("org: O1", "org:" + "x" * 500):  # an id starting with a space; too long
        assert loggable_key(key) == "org:sha256:" + hashlib.sha256(key.encode()).hexdigest()


CHECKING_COMMANDS = [["ledger", "verify"], ["ledger", "prune"]]
READING_COMMANDS = [["history"], ["evidence", "--out", "evidence"]]
READ_ONLY_COMMANDS = CHECKING_COMMANDS + READING_COMMANDS


def no_table(path: Path) -> None:
    import sqlite3

    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE gone (x)")  # written, then left with no table
    connection.execute("DROP TABLE gone")
    connection.commit()
    connection.close()


def another_database(path: Path) -> None:
    import sqlite3

    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE notes (body TEXT)")
    connection.commit()
    connection.close()


@pytest.mark.parametrize(
    "make",
    [
        lambda path: path.write_bytes(b""),
        lambda path: path.write_bytes(b"\n"),  # `echo > ledger.sqlite`
        lambda path: path.write_bytes(b"not a database\n" * 300),
        no_table,
        another_database,
    ],
    ids=["empty", "one-byte", "text", "no-table", "another-database"],
)
@pytest.mark.parametrize("argv", READ_ONLY_COMMANDS, ids=" ".join)
def test_a_command_that_only_reads_refuses_a_file_holding_no_ledger_and_leaves_it(
    tmp_path: Path, make: object, argv: list[str]
) -> None:
    """Never a new, empty ledger made there and then found intact by `ledger verify`. An
    empty file is a ledger not yet written: `history` and `evidence` answer for an empty
    ledger (as for no file, or an empty PostgreSQL database), and leave it empty."""
    path = tmp_path / "ledger.sqlite"
    make(path)  # type: ignore[operator]
    held = path.read_bytes()
    done = run_cli(*argv, env={"INSIGHT_LEDGER": str(path)}, cwd=tmp_path)
    assert path.read_bytes() == held
    if (not held or make is no_table) and argv in READING_COMMANDS:
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        return
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith(f"error: ledger {path}: ")
    assert done.stderr.count("\n") == 1
    assert path.read_bytes() == held
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.sqlite"]


@pytest.mark.parametrize(
    "held", [b"\n", b"x", b"not a database\n" * 300], ids=["one-byte", "x", "text"]
)
def test_a_recording_command_leaves_a_file_that_is_no_database_as_it_was(
    tmp_path: Path, sample_path: Path, held: bytes
) -> None:
    """SQLite reads a file shorter than its header as an empty database, which a first
    write would replace: a file that holds anything must begin as a SQLite database."""
    path = tmp_path / "ledger.sqlite"
    path.write_bytes(held)
    done = run_cli("check", sample_path, "--record", "--quiet", env={"INSIGHT_LEDGER": str(path)})
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"error: ledger {path}: is not a SQLite database (name a new or empty file, "
        "or an existing ledger)\n"
    )
    assert path.read_bytes() == held
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.sqlite"]
    path.write_bytes(b"")  # an empty file is a ledger not yet written: made into one
    done = run_cli("check", sample_path, "--record", "--quiet", env={"INSIGHT_LEDGER": str(path)})
    assert done.returncode == 1, done.stderr
    assert run_cli("ledger", "verify", env={"INSIGHT_LEDGER": str(path)}).returncode == 0


@pytest.mark.parametrize("argv", READ_ONLY_COMMANDS, ids=" ".join)
def test_an_empty_postgresql_database_is_a_ledger_not_yet_written(
    postgres_server: object, tmp_path: Path, argv: list[str]
) -> None:
    """As a SQLite file not yet written: `ledger verify` and `prune` refuse it (nothing
    there to find intact), `history` and `evidence` answer for an empty ledger; none
    makes a ledger there."""
    url = postgres_server.new_database()  # type: ignore[attr-defined]
    done = run_cli(*argv, env={"INSIGHT_LEDGER": url}, cwd=tmp_path)
    if argv in CHECKING_COMMANDS:
        assert (done.returncode, done.stdout) == (2, "")
        assert done.stderr.endswith(": holds no ledger (no ledger has been written there)\n")
        assert done.stderr.count("\n") == 1
    else:
        assert done.returncode == 0, done.stderr
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        new = str(elsewhere / "new.sqlite")
        missing = run_cli(*argv, env={"INSIGHT_LEDGER": new}, cwd=elsewhere)
        assert missing.returncode == 0, missing.stderr
        # the same answer as where nothing is written
        assert (done.stdout, done.stderr) == (missing.stdout, missing.stderr)
    close_ledgers()
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    with engine.connect() as connection:
        assert inspect(connection).get_table_names() == []
    engine.dispose()


def test_verify_while_others_write_finds_no_break(ledger_setting: str) -> None:
    """The Audit log page verifies while other sessions log their page views: on
    PostgreSQL the chain and its head were read at different moments and disagreed."""
    import threading
    import time

    fill(ledger_setting, entries=3, made=0)
    ledger = open_ledger(ledger_setting)
    stop = threading.Event()

    def write() -> None:
        while not stop.is_set():
            audit_trail.log(ledger, "other", "dpo", "page_view", ["page:retention"], None)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        verdicts = []
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            verdicts.append(audit_trail.verify(ledger)[0].broken)
    finally:
        stop.set()
        writer.join()
    assert len(verdicts) > 10
    assert verdicts == [None] * len(verdicts)
