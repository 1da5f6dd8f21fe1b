"""Files written whole or not at all: no temporary file is ever left behind."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from insight_workbench.atomic import _pid_namespace, new_parents, staged_folder, write_atomically
from insight_workbench.errors import InputError


def test_writes_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    write_atomically(target, b"first")
    write_atomically(target, b"second")
    assert target.read_bytes() == b"second"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_a_failed_rename_removes_the_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.mkdir()
    (target / "inside").write_text("kept")
    with pytest.raises(IsADirectoryError):
        write_atomically(target, b"data")  # a folder cannot be replaced by a file
    assert os.listdir(tmp_path) == ["taken"]
    assert (target / "inside").read_text() == "kept"


def test_without_overwrite_an_existing_file_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_bytes(b"original")
    with pytest.raises(FileExistsError):
        write_atomically(target, b"new", overwrite=False)
    assert target.read_bytes() == b"original"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_without_overwrite_a_dangling_link_is_not_followed(tmp_path: Path) -> None:
    # The link does not `exist()`, so only the final step can refuse it.
    target = tmp_path / "out.txt"
    target.symlink_to(tmp_path / "elsewhere.txt")
    with pytest.raises(FileExistsError):
        write_atomically(target, b"new", overwrite=False)
    assert sorted(os.listdir(tmp_path)) == ["out.txt"]
    assert not (tmp_path / "elsewhere.txt").exists()


def test_a_character_device_is_written_into_never_replaced(tmp_path: Path) -> None:
    """`--output /dev/null` as root used to put a regular file in /dev/null's place."""
    if os.geteuid() != 0:
        pytest.skip("only root can make a device node")
    device = tmp_path / "null"
    os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # what /dev/null is
    write_atomically(device, b"findings")
    assert stat.S_ISCHR(device.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def test_a_named_pipe_receives_the_bytes(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()))
    reader.start()
    write_atomically(pipe, b"findings")
    reader.join(timeout=10)
    assert received == [b"findings"]
    assert stat.S_ISFIFO(pipe.stat().st_mode)


def no_such_process() -> int:
    """A process id no process can have: one past the kernel's largest."""
    return int(Path("/proc/sys/kernel/pid_max").read_text()) + 1


def writer(pid: int, namespace: int | None = None) -> str:
    """How a temporary name names its writer."""
    return f"{os.stat('/proc/self/ns/pid').st_ino if namespace is None else namespace}-{pid}"


def test_leftovers_of_a_killed_writer_are_removed_by_the_next(tmp_path: Path) -> None:
    dead, alive = writer(no_such_process()), writer(os.getpid())
    elsewhere = writer(no_such_process(), namespace=1)  # a container's: not ours to judge
    (tmp_path / f".out.{dead}.abc.tmp").mkdir()  # a folder being staged when it was killed
    (tmp_path / f".out.{dead}.abc.tmp" / "part.json").write_text("{", encoding="utf-8")
    (tmp_path / f".report.csv.{dead}.xyz.tmp").write_bytes(b"half")
    kept = [
        f".out.{alive}.def.tmp",  # a writer still at work
        f".out.{elsewhere}.ghi.tmp",
        f".out.2024-{no_such_process()}.json.{alive}.jkl.tmp",  # another output's
        f".out.{no_such_process()}.tmp",  # not a name the writer makes
    ]
    for name in kept:
        (tmp_path / name).mkdir()
    with staged_folder(tmp_path / "out") as stage:
        (stage / "done.json").write_text("{}", encoding="utf-8")
    write_atomically(tmp_path / "report.csv", b"whole")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*kept, "out", "report.csv"])
    (tmp_path / "out" / f".writing.{dead}.ghi.tmp").mkdir()  # inside an existing folder
    with staged_folder(tmp_path / "out", existing="merge") as stage:
        (stage / "more.json").write_text("{}", encoding="utf-8")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["done.json", "more.json"]


def test_a_killed_writer_s_leftovers_of_another_name_are_removed_too(tmp_path: Path) -> None:
    """A subject-access pack killed half-written holds one person's data: the next write
    into its folder removes it, whatever that write is called. What a killed merge set
    aside is rolled back by the next writer into that folder, never removed."""
    dead = writer(no_such_process())
    half = tmp_path / f".pack.{dead}.abc.tmp"
    (half / "json").mkdir(parents=True)
    (half / "json" / "users.json").write_text("[", encoding="utf-8")
    (tmp_path / f".pack.zip.{dead}.def.tmp").write_bytes(b"PK")
    aside = tmp_path / f".replaced.{dead}.ghi.tmp"
    aside.mkdir()
    write_atomically(tmp_path / "other.zip", b"whole")
    assert sorted(p.name for p in tmp_path.iterdir()) == [aside.name, "other.zip"]


def test_a_link_to_one_of_our_descriptors_is_written_through_it(tmp_path: Path) -> None:
    """`--output /dev/stdout` with stdout sent to a file: the link stays, the file gets
    the bytes (appended, when the descriptor appends, as `>>` opens it)."""
    redirected = tmp_path / "redirected.json"
    redirected.write_bytes(b"before\n")
    link = tmp_path / "stdout"
    with redirected.open("ab") as handle:
        link.symlink_to(f"/proc/self/fd/{handle.fileno()}")
        write_atomically(link, b"findings\n")
    assert link.is_symlink()
    assert redirected.read_bytes() == b"before\nfindings\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["redirected.json", "stdout"]


def test_a_failed_write_removes_the_folders_it_made_and_no_others(tmp_path: Path) -> None:
    kept = tmp_path / "kept"
    kept.mkdir()
    target = kept / "new" / "deeper" / "file.zip"

    def fail_inside() -> None:
        with new_parents(target):
            assert target.parent.is_dir()
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        fail_inside()
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["kept"]
    with new_parents(target):
        target.write_bytes(b"x")
    assert target.read_bytes() == b"x"


def test_a_failed_folder_write_leaves_no_parent_it_made(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "pack"

    def fail_inside() -> None:
        with staged_folder(target) as stage:
            (stage / "part").write_bytes(b"x")
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        fail_inside()
    assert list(tmp_path.iterdir()) == []


def failing_second_replace(failure: BaseException) -> Callable[[str | Path, str | Path], None]:
    """`os.replace`, raising `failure` at its second move of an entry up (halfway
    through; the writer's note of the names moving up is not counted)."""
    real_replace, calls = os.replace, []

    def replace(source: str | Path, destination: str | Path) -> None:
        if ".replaced." in str(destination):
            return real_replace(source, destination)
        calls.append(destination)
        if len(calls) == 2:
            raise failure
        real_replace(source, destination)

    return replace


def test_a_replacement_interrupted_halfway_puts_the_old_entries_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "snapshot"
    target.mkdir()
    for name in ("manifest.json", "users.csv"):
        (target / name).write_text(f"old {name}", encoding="utf-8")

    def replace_with_new() -> None:
        with staged_folder(target, existing="replace") as stage:
            for name in ("logins.csv", "manifest.json", "users.csv"):
                (stage / name).write_text(f"new {name}", encoding="utf-8")
            # the second new entry: as a Ctrl-C there would
            monkeypatch.setattr(os, "replace", failing_second_replace(KeyboardInterrupt()))

    with pytest.raises(KeyboardInterrupt):
        replace_with_new()
    monkeypatch.undo()
    kept = {p.name: p.read_text(encoding="utf-8") for p in target.iterdir()}
    assert kept == {"manifest.json": "old manifest.json", "users.csv": "old users.csv"}


@pytest.mark.parametrize("failure", [OSError("no space"), KeyboardInterrupt()])
def test_a_merge_interrupted_halfway_leaves_the_folder_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    """A merge (`deidentify --out` into a folder of earlier datasets) keeps the entries it
    does not write; those it does are all new or all old, never a mix."""
    target = tmp_path / "datasets"
    target.mkdir()
    for name in ("a.csv", "a.meta.json", "other.csv"):
        (target / name).write_text(f"old {name}", encoding="utf-8")

    def merge_new() -> None:
        with staged_folder(target, existing="merge") as stage:
            for name in ("a.csv", "a.meta.json", "b.csv"):
                (stage / name).write_text(f"new {name}", encoding="utf-8")
            monkeypatch.setattr(os, "replace", failing_second_replace(failure))

    with pytest.raises(type(failure)):
        merge_new()
    monkeypatch.undo()
    kept = {p.name: p.read_text(encoding="utf-8") for p in target.iterdir()}
    assert kept == {
        "a.csv": "old a.csv",
        "a.meta.json": "old a.meta.json",
        "other.csv": "old other.csv",
    }
    with staged_folder(target, existing="merge") as stage:
        (stage / "a.csv").write_text("new a.csv", encoding="utf-8")
    assert (target / "a.csv").read_text(encoding="utf-8") == "new a.csv"
    assert (target / "other.csv").read_text(encoding="utf-8") == "old other.csv"


def test_a_merge_never_replaces_a_folder_by_a_file(tmp_path: Path) -> None:
    target = tmp_path / "datasets"
    (target / "b.meta.json").mkdir(parents=True)
    (target / "a.csv").write_text("old a.csv", encoding="utf-8")

    def merge_new() -> None:
        with staged_folder(target, existing="merge") as stage:
            for name in ("a.csv", "b.meta.json"):
                (stage / name).write_text(f"new {name}", encoding="utf-8")

    with pytest.raises(InputError, match=r"b\.meta\.json: a folder is in the way of that file"):
        merge_new()
    assert (target / "a.csv").read_text(encoding="utf-8") == "old a.csv"
    assert (target / "b.meta.json").is_dir()


def test_a_replacement_leaves_another_live_writer_s_folder_alone(tmp_path: Path) -> None:
    target = tmp_path / "snapshot"
    target.mkdir()
    (target / "users.csv").write_text("old", encoding="utf-8")
    live = target / f".writing.{_pid_namespace()}-{os.getpid()}.live1234.tmp"  # running
    live.mkdir()
    with staged_folder(target, existing="replace") as stage:
        (stage / "users.csv").write_text("new", encoding="utf-8")
    assert live.is_dir()
    assert (target / "users.csv").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in target.iterdir()) == sorted([live.name, "users.csv"])


def _killed_while_moving_up(target: Path, *, moved_up: bool) -> None:
    """What a writer killed inside `_move_up` leaves in `target` (old `a.csv` and
    `keep.txt`; new `a.csv` and `b.csv`): `a.csv` moved aside, and, when `moved_up`,
    the names moving up noted and the new `a.csv` moved up (`b.csv` still staged)."""
    dead = writer(no_such_process())
    (target / "a.csv").write_text("old a", encoding="utf-8")
    (target / "keep.txt").write_text("kept", encoding="utf-8")
    aside = target / f".replaced.{dead}.abc.tmp"
    (aside / "old").mkdir(parents=True)
    (target / "a.csv").rename(aside / "old" / "a.csv")
    stage = target / f".writing.{dead}.def.tmp"
    stage.mkdir()
    (stage / "a.csv").write_text("new a", encoding="utf-8")
    (stage / "b.csv").write_text("new b", encoding="utf-8")
    if moved_up:
        coming = [_identity(stage / "a.csv"), _identity(stage / "b.csv")]
        (aside / "coming.json").write_text(json.dumps(coming), encoding="utf-8")
        (stage / "a.csv").rename(target / "a.csv")


def _identity(path: Path) -> dict[str, object]:
    found = os.lstat(path)
    return {"name": path.name, "dev": found.st_dev, "ino": found.st_ino}


@pytest.mark.parametrize("moved_up", [False, True])
def test_a_writer_killed_while_moving_up_is_rolled_back_by_the_next(
    tmp_path: Path, moved_up: bool
) -> None:
    """A kill (no `except` runs) between the renames of a write into an existing folder:
    the next writer puts back what was there before adding its own."""
    target = tmp_path / "pack"
    target.mkdir()
    _killed_while_moving_up(target, moved_up=moved_up)
    with staged_folder(target, existing="merge") as stage:
        (stage / "c.csv").write_text("new c", encoding="utf-8")
    found = {p.name: p.read_text(encoding="utf-8") for p in target.iterdir()}
    assert found == {"a.csv": "old a", "keep.txt": "kept", "c.csv": "new c"}


SLOW_WRITER = """
import os, sys, time
from pathlib import Path
from insight_workbench.atomic import staged_folder

target, marker = Path(sys.argv[1]), Path(sys.argv[2])
real_replace = os.replace

def replace_then_wait(source, destination):
    real_replace(source, destination)
    if ".replaced." not in str(destination):  # the first entry moved up: wait to be killed
        marker.write_text("moved")
        time.sleep(120)

os.replace = replace_then_wait
with staged_folder(target, existing="replace") as stage:
    for name in ("a.csv", "b.csv"):
        (stage / name).write_text("new " + name, encoding="utf-8")
"""


def test_a_writer_really_killed_halfway_leaves_the_folder_as_it_was(tmp_path: Path) -> None:
    target, marker = tmp_path / "pack", tmp_path / "moved"
    target.mkdir()
    for name in ("a.csv", "b.csv", "old.csv"):
        (target / name).write_text(f"old {name}", encoding="utf-8")
    child = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(target), str(marker)])
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert marker.exists()
    finally:
        child.kill()  # SIGKILL: no `except` or `finally` of the writer runs
        child.wait()
    with staged_folder(target, existing="merge") as stage:
        (stage / "c.csv").write_text("new c.csv", encoding="utf-8")
    found = {p.name: p.read_text(encoding="utf-8") for p in target.iterdir()}
    assert found == {
        "a.csv": "old a.csv",
        "b.csv": "old b.csv",
        "old.csv": "old old.csv",
        "c.csv": "new c.csv",
    }


def test_a_writer_killed_while_discarding_the_old_entries_is_not_undone(tmp_path: Path) -> None:
    """Killed after every new entry moved up, while the old ones were being deleted: the
    write is done, and the next writer only finishes deleting them."""
    target = tmp_path / "pack"
    target.mkdir()
    dead = writer(no_such_process())
    (target / "a.csv").write_text("new a", encoding="utf-8")
    done = target / f".discarding.{dead}.abc.tmp"
    (done / "old").mkdir(parents=True)
    (done / "old" / "a.csv").write_text("old a", encoding="utf-8")
    with staged_folder(target, existing="merge") as stage:
        (stage / "c.csv").write_text("new c", encoding="utf-8")
    found = {p.name: p.read_text(encoding="utf-8") for p in target.iterdir()}
    assert found == {"a.csv": "new a", "c.csv": "new c"}


def test_a_rollback_interrupted_halfway_finishes_without_losing_an_entry(tmp_path: Path) -> None:
    """The next writer was killed too, after taking the new entries away and putting one
    old entry back: the one after it puts back the rest and removes nothing restored."""
    target = tmp_path / "pack"
    target.mkdir()
    _killed_while_moving_up(target, moved_up=True)
    aside = next(target.glob(".replaced.*"))
    (target / "a.csv").unlink()  # the new entry taken away
    (aside / "old" / "a.csv").rename(target / "a.csv")  # an old one back, then killed
    with staged_folder(target, existing="merge") as stage:
        (stage / "c.csv").write_text("new c", encoding="utf-8")
    found = {p.name: p.read_text(encoding="utf-8") for p in target.iterdir()}
    assert found == {"a.csv": "old a", "keep.txt": "kept", "c.csv": "new c"}


def test_a_rollback_never_removes_an_entry_another_writer_put_there(tmp_path: Path) -> None:
    """An entry of the same name that is not the one the killed writer moved up (another
    writer's, written since) stays; the old entry is not put back over it."""
    target = tmp_path / "pack"
    target.mkdir()
    _killed_while_moving_up(target, moved_up=True)
    (target / "a.csv").unlink()
    (target / "a.csv").write_text("another writer's a", encoding="utf-8")
    with staged_folder(target, existing="merge") as stage:
        (stage / "c.csv").write_text("new c", encoding="utf-8")
    found = {p.name: p.read_text(encoding="utf-8") for p in target.iterdir()}
    assert found == {"a.csv": "another writer's a", "keep.txt": "kept", "c.csv": "new c"}
