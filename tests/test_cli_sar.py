"""`insight-workbench sar`: options, exit codes, what it prints and writes; in-process
through the entry point, with one run of the installed console script."""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import pytest
from cli_runner import run_script
from sar_people import EXPECTED, GONE, JANE, JANE_EMAIL, TABLES

from insight_workbench import cli
from insight_workbench.atomic import _pid_namespace
from insight_workbench.subject_requests import pack


def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, *args: str):
    """Run the CLI in-process through `cli.main`, as the console script does."""
    monkeypatch.setattr(sys, "argv", ["insight-workbench", *args])
    with pytest.raises(SystemExit) as done:
        cli.main()
    captured = capsys.readouterr()
    return done.value.code, captured.out, captured.err


def _emails_and_names() -> list[str]:
    return [r[c] for r in TABLES["users"] for c in ("email", "name")] + [
        r["requester_email"].strip() for r in TABLES["subject_requests"]
    ]


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [("--email", f"  {JANE_EMAIL.upper()} ", EXPECTED[JANE]), ("--user-id", GONE, EXPECTED[GONE])],
)
def test_writes_a_folder_pack_and_prints_counts_without_personal_data(
    monkeypatch, capsys, people_path: Path, tmp_path: Path, option, value, expected
) -> None:
    out = tmp_path / "pack"
    code, stdout, stderr = run(
        monkeypatch, capsys, "sar", str(people_path), option, value, "--out", str(out)
    )
    assert (code, stderr) == (0, "")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["tables"] == expected
    for table, count in expected.items():
        assert f"  {table:<17} {count:>7}\n" in stdout
    assert str(out) in stdout
    assert not [text for text in _emails_and_names() if text.strip().lower() in stdout.lower()]


@pytest.mark.parametrize(("limit", "read_under"), [(None, "244.1 MiB"), ("1GB", "953.6 MiB")])
def test_a_pack_reads_under_its_memory_cap_unless_a_limit_is_set(
    monkeypatch, capsys, people_path: Path, tmp_path: Path, limit, read_under
) -> None:
    monkeypatch.setenv("INSIGHT_CACHE_DIR", str(tmp_path / "cache"))  # a DuckDB of its own
    if limit is None:
        monkeypatch.delenv("INSIGHT_MEMORY_LIMIT", raising=False)
    else:
        monkeypatch.setenv("INSIGHT_MEMORY_LIMIT", limit)
    limits = []
    build_pack = pack.build_pack

    def noting_the_limit(snapshot, **person):  # type: ignore[no-untyped-def]
        cursor = snapshot.cursor()
        limits.append(cursor.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
        return build_pack(snapshot, **person)

    monkeypatch.setattr(pack, "build_pack", noting_the_limit)
    out = tmp_path / "pack"
    code, _, stderr = run(
        monkeypatch, capsys, "sar", str(people_path), "--user-id", JANE, "--out", str(out)
    )
    assert (code, stderr) == (0, "")
    assert limits == [read_under]
    assert json.loads((out / "manifest.json").read_text())["tables"] == EXPECTED[JANE]


def test_unknown_person_is_a_no_data_held_answer(
    monkeypatch, capsys, people_path, tmp_path
) -> None:
    out = tmp_path / "none.zip"
    code, stdout, _ = run(
        monkeypatch,
        capsys,
        "sar",
        str(people_path),
        "--email",
        "nobody@example.com",
        "--out",
        str(out),
    )
    assert code == 0
    assert stdout.startswith("No data held")
    assert "nobody" not in stdout
    with zipfile.ZipFile(out) as z:
        assert "NO DATA HELD" in z.read("README.txt").decode()
        assert set(json.loads(z.read("manifest.json"))["tables"].values()) == {0}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--email", JANE_EMAIL, "--user-id", JANE], "not both"),
        ([], "give one of them"),
        (["--email", " "], "--email"),
    ],
)
def test_exactly_one_identifier_or_exit_2(
    monkeypatch, capsys, people_path, tmp_path, options, message
) -> None:
    out = tmp_path / "pack"
    code, stdout, stderr = run(
        monkeypatch, capsys, "sar", str(people_path), *options, "--out", str(out)
    )
    assert code == 2
    assert message in stderr
    assert stdout == ""
    assert "Traceback" not in stderr
    assert not out.exists()


def test_refuses_an_existing_pack(monkeypatch, capsys, people_path, tmp_path) -> None:
    out = tmp_path / "pack.zip"
    out.write_bytes(b"earlier")
    code, _, stderr = run(
        monkeypatch, capsys, "sar", str(people_path), "--user-id", JANE, "--out", str(out)
    )
    assert code == 2
    assert "--out" in stderr
    assert "overwrite" in stderr
    assert out.read_bytes() == b"earlier"


@pytest.mark.parametrize(("name", "said"), [("pack.zip", "already exists"), ("pack", "to nothing")])
def test_a_link_to_nothing_is_refused_before_the_load(
    monkeypatch, capsys, people_path, tmp_path, name: str, said: str
) -> None:
    """Said at once, as for any target already there: not "appeared while writing"."""
    out = tmp_path / name
    out.symlink_to(tmp_path / "nowhere" / name)
    code, _, stderr = run(
        monkeypatch, capsys, "sar", str(people_path), "--user-id", JANE, "--out", str(out)
    )
    assert (code, said in stderr, "appeared" in stderr) == (2, True, False)
    assert out.is_symlink()
    assert not (tmp_path / "nowhere").exists()


def test_missing_out_and_bad_snapshot_exit_2(monkeypatch, capsys, tmp_path) -> None:
    code, _, stderr = run(monkeypatch, capsys, "sar", str(tmp_path), "--user-id", JANE)
    assert code == 2
    assert "--out" in stderr
    not_a_snapshot = tmp_path / "s"
    not_a_snapshot.mkdir()
    out = str(tmp_path / "p")
    code, _, stderr = run(
        monkeypatch, capsys, "sar", str(not_a_snapshot), "--user-id", JANE, "--out", out
    )
    assert code == 2
    assert "manifest.json" in stderr


def test_console_script(people_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "jane.zip"
    done = run_script("sar", people_path, "--email", JANE_EMAIL, "--out", out)
    assert done.returncode == 0, done.stderr
    assert f"user {JANE}" in done.stdout
    assert JANE_EMAIL.lower() not in done.stdout.lower()
    with zipfile.ZipFile(out) as z:
        assert json.loads(z.read("manifest.json"))["tables"] == EXPECTED[JANE]


def test_both_identifiers_is_one_line_naming_the_options(
    monkeypatch, capsys, people_path, tmp_path
) -> None:
    code, _, stderr = run(
        monkeypatch,
        capsys,
        "sar",
        str(people_path),
        "--email",
        JANE_EMAIL,
        "--user-id",
        JANE,
        "--out",
        str(tmp_path / "x"),
    )
    assert code == 2
    assert stderr.count("\n") == 1
    assert "--email / --user-id" in stderr


def test_a_name_that_is_only_dot_zip_is_a_zip(monkeypatch, capsys, people_path, tmp_path) -> None:
    out = tmp_path / ".zip"
    code, _, err = run(
        monkeypatch, capsys, "sar", str(people_path), "--user-id", JANE, "--out", str(out)
    )
    assert (code, err) == (0, "")
    assert zipfile.is_zipfile(out)


def test_a_killed_run_s_leftover_does_not_stop_a_retry(monkeypatch, capsys, people_path, tmp_path):
    out = tmp_path / "pack"
    leftover = out / f".writing.{_pid_namespace()}-999999999.abcd1234.tmp"  # no such process
    leftover.mkdir(parents=True)
    (leftover / "README.txt").write_text("half a pack", encoding="utf-8")
    code, _, err = run(
        monkeypatch, capsys, "sar", str(people_path), "--user-id", JANE, "--out", str(out)
    )
    assert (code, err) == (0, "")
    assert not leftover.exists()
    assert (out / "README.txt").is_file()


def test_the_note_of_quarantined_rows_names_their_tables(
    monkeypatch, capsys, sample_path: Path, tmp_path: Path
) -> None:
    from insight_workbench.loading.snapshot import load_snapshot

    sample = load_snapshot(sample_path)
    user_id = sample.cursor().execute("SELECT min(user_id) FROM users").fetchone()[0]
    code, stdout, _ = run(
        monkeypatch,
        capsys,
        "sar",
        str(sample_path),
        "--user-id",
        user_id,
        "--out",
        str(tmp_path / "p"),
    )
    assert code == 0
    counts = ", ".join(
        f'"{name}": {n}'
        for name, n in sample.rows_rejected.items()
        if n and name in pack.PACK_TABLES
    )
    assert f"Note: the snapshot has quarantined rows ({counts}), which no pack holds" in stdout


def test_no_readable_record_with_rows_unread_is_not_said_to_be_no_data(
    monkeypatch, capsys, tmp_path
) -> None:
    """The person's users row could not be read (a bad timestamp): their address finds no
    row, but "no data held" would be false, as their login is held. The answer says
    which rows to read first."""
    from insight_workbench.testing import build_snapshot

    user = {
        "user_id": "U5",
        "org_id": "O1",
        "name": "Ann Lee",
        "email": "ann@example.org",
        "role": "user",
        "created_at": "yesterday",
    }
    login = {"login_id": "L1", "user_id": "U5", "ts": "2026-01-01T00:00:00Z",
             "success": "true", "ip": "10.0.0.1"}  # fmt: skip
    org = {"org_id": "O1", "name": "Org", "product": "local_insight", "status": "active",
           "created_at": "2025-01-01T00:00:00Z"}  # fmt: skip
    folder = build_snapshot(
        tmp_path / "s", {"organisations": [org], "users": [user], "logins": [login]}
    )
    out = tmp_path / "pack.zip"
    args = ("sar", str(folder), "--email", "ann@example.org", "--out", str(out))
    code, stdout, _ = run(monkeypatch, capsys, *args)
    assert code == 0
    assert stdout.startswith("No data held in the rows read")
    with zipfile.ZipFile(out) as z:
        readme = z.read("README.txt").decode()
    assert "NO DATA HELD IN THE ROWS READ" in readme
    assert "NO DATA HELD:" not in readme
    assert "users: 1" in readme.replace('"', "")


def test_unread_rows_an_address_cannot_find_leave_no_data_held(
    monkeypatch, capsys, tmp_path
) -> None:
    """A login quarantined (a bad timestamp) names a person by user id only: it cannot be
    the row of an address no users row holds, so "no data held" stands for an address;
    for a user id, that login may be theirs."""
    from insight_workbench.testing import build_snapshot

    login = {"login_id": "L1", "user_id": "U9", "ts": "soon", "success": "true",
             "ip": "10.0.0.1"}  # fmt: skip
    folder = build_snapshot(tmp_path / "s", {"logins": [login]})
    for given, out, said, may_be_theirs in (
        (("--email", "x@example.org"), "a", "No data held: ", False),
        (("--user-id", "U9"), "b", "No data held in the rows read", True),
    ):
        code, stdout, _ = run(
            monkeypatch, capsys, "sar", str(folder), *given, "--out", str(tmp_path / out)
        )
        assert code == 0
        assert stdout.startswith(said)
        manifest = json.loads((tmp_path / out / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["unread_rows_may_be_theirs"] is may_be_theirs
