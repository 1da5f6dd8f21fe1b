"""Text options that are not UTF-8 (bytes a terminal in another encoding passed on, as
Python's stand-ins) are refused with one line and exit 2, before anything is read or
written: no key, id or ledger entry can hold them."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_runner import run_cli

BAD = "caf\udce9"  # "café" typed in Latin-1


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["sar", "{snapshot}", "--email", f"{BAD}@example.org", "--out", "{out}"], "--email"),
        (["sar", "{snapshot}", "--user-id", BAD, "--out", "{out}"], "--user-id"),
        (["history", "--key", f"org:{BAD}"], "--key"),
        (["history", "--rule", BAD], "--rule"),
        (["evidence", "--key", f"org:{BAD}", "--out", "{out}"], "--key"),
        (["decide", f"org:{BAD}", "--rule", "RET-001", "--acknowledge"], "KEY"),
        (["decide", "org:O1", "--rule", "RET-001", "--note", BAD], "--note"),
        (["decide", "org:O1", "--rule", "RET-001", "--assign", BAD], "--assign"),
        (["manifest", "{snapshot}", "--exported-at", "2026-01-01", "--snapshot-id", BAD], "--snap"),
    ],
)
def test_text_that_is_not_utf8_is_exit_2(tmp_path: Path, args: list[str], option: str) -> None:
    snapshot = tmp_path / "snapshot"
    snapshot.mkdir()
    ledger = tmp_path / "ledger.sqlite"
    argv = [a.format(snapshot=snapshot, out=tmp_path / "out") for a in args]
    done = run_cli(*argv, env={"INSIGHT_LEDGER": str(ledger), "INSIGHT_USER": "dpo"})
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert option in line
    assert "not valid UTF-8" in line
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snapshot"]  # nothing written
    assert list(snapshot.iterdir()) == []
