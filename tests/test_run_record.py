"""run.json on a disk that fills up during a run: the first record keeps room for the
last, which is written over it in place, never truncating the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from insight_workbench.reports.run_records import (
    RESERVED_BYTES,
    RUN_FILE,
    overwrite_reserved,
    recorded_message,
    write_record,
)

FIRST = {"notebook": "retention_audit", "status": "running", "end": None}
LAST = {**FIRST, "status": "failed", "end": "2026-12-02T10:00:00Z", "sha256": {"a": "0" * 64}}


def test_the_first_record_keeps_room_and_still_reads_as_json(tmp_path: Path) -> None:
    write_record(tmp_path, FIRST, reserve=True)
    path = tmp_path / RUN_FILE
    assert path.stat().st_size == RESERVED_BYTES
    assert json.loads(path.read_text()) == FIRST


def test_the_last_record_is_written_over_the_first_within_its_size(tmp_path: Path) -> None:
    write_record(tmp_path, FIRST, reserve=True)
    path = tmp_path / RUN_FILE
    assert overwrite_reserved(path, LAST)
    assert path.stat().st_size == RESERVED_BYTES
    assert json.loads(path.read_text()) == LAST


def test_a_last_record_too_long_for_the_room_leaves_the_first(tmp_path: Path) -> None:
    write_record(tmp_path, FIRST, reserve=True)
    path = tmp_path / RUN_FILE
    before = path.read_bytes()
    long = {**LAST, "sha256": {f"file{n}.csv": "0" * 64 for n in range(100)}}
    assert not overwrite_reserved(path, long)
    assert path.read_bytes() == before


def test_a_later_record_is_not_padded(tmp_path: Path) -> None:
    write_record(tmp_path, LAST)
    assert (tmp_path / RUN_FILE).read_text().endswith("}\n")


@pytest.mark.parametrize(
    ("ename", "evalue", "kept"),
    [
        ("InputError", "grain: must be one of day, week", "grain: must be one of day, week"),
        ("KeyError", "'ann@example.org'", None),  # a library's words may quote the data
        ("ConversionException", "Could not convert string 'Ann Smith' to INT32", None),
        ("DeadKernelError", "Kernel died", None),
    ],
)
def test_run_json_keeps_only_the_workbench_s_own_messages(
    ename: str, evalue: str, kept: str | None
) -> None:
    assert recorded_message(ename, evalue) == kept
