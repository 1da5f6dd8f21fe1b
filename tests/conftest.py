"""Shared fixtures: the committed sample and the seeded test snapshots, each built and
loaded once per test session (once per worker: the suite runs under pytest-xdist, each
file whole in one worker). A loaded snapshot is read-only: use `snapshot.cursor()`
(temporary tables and macros belong to one cursor) and never close its connection.

Everything a run writes goes to one scratch folder (pytest's tmp_path, `tempfile`, the
kernels and servers the tests start, through TMPDIR), in RAM where the machine has room
there: the suite builds hundreds of small DuckDB files, each synced to disk on a real
file system. Each process has its own workspace cache in it (INSIGHT_CACHE_DIR)."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import SHARED
from ledger_maker import LedgerMaker, recorded_copy
from server_guard import watchdog
from streamlit_server import AppServers

from insight_workbench.loading.snapshot import Snapshot, load_snapshot

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"

SCRATCH_VARIABLE = "INSIGHT_TEST_SCRATCH"
RAM = Path("/dev/shm")
RAM_TO_SPARE = 4 << 30


def _ram_folder() -> Path | None:
    """/dev/shm when TMPDIR names no other place and it has room to spare."""
    if os.environ.get("TMPDIR") or not os.access(RAM, os.W_OK | os.X_OK):
        return None
    room = os.statvfs(RAM)
    return RAM if room.f_bavail * room.f_frsize >= RAM_TO_SPARE else None


def _interrupted(signum: int, frame: object) -> None:  # noqa: ARG001 (a signal handler's)
    raise KeyboardInterrupt


# A run stopped with SIGTERM (a job's time limit, `kill`) ends as Ctrl-C does: pytest
# tears the fixtures down, so the PostgreSQL and Streamlit servers the tests started
# stop with it instead of running on.
if threading.current_thread() is threading.main_thread():
    signal.signal(signal.SIGTERM, _interrupted)

# The scratch folder is made by the first process (under xdist, the controller) and
# inherited by the workers and every child process through the environment.
_OWN_SCRATCH = SCRATCH_VARIABLE not in os.environ
if _OWN_SCRATCH:
    os.environ[SCRATCH_VARIABLE] = tempfile.mkdtemp(prefix="insight-tests-", dir=_ram_folder())
    os.environ["TMPDIR"] = os.environ[SCRATCH_VARIABLE]
    # Removed at the end of the run (`pytest_unconfigure`), or, the run killed, once
    # its first process has gone: it sits in memory.
    _SCRATCH_WATCH = watchdog(["rm", "-rf", os.environ[SCRATCH_VARIABLE]])
tempfile.tempdir = os.environ["TMPDIR"]
# Kernels and servers run in other folders: a relative PYTHONPATH entry would name
# another tree there (or none).
if os.environ.get("PYTHONPATH"):
    os.environ["PYTHONPATH"] = os.pathsep.join(
        str(Path(entry).resolve()) for entry in os.environ["PYTHONPATH"].split(os.pathsep) if entry
    )
# Workspaces built by the tests (and the commands they run) go to a cache of this
# process's own: a test that asks whether a workspace was built sees only its own work.
_CACHE = tempfile.mkdtemp(prefix="cache-")
os.environ["INSIGHT_CACHE_DIR"] = _CACHE
# No settings from an app settings file a developer keeps beside the app or at home:
# the tests must never write to a ledger it names (tests/test_settings_file.py reads
# its own files).
os.environ["INSIGHT_SETTINGS_FILE"] = ""


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto` runs one worker more than there are cores (a worker often waits on a
    kernel, a server or a browser it started), but none for a run of one file (its
    tests would all go to one worker anyway): the quick check of one file starts none."""
    files = {str(arg).split("::")[0] for arg in config.args}
    if len(files) == 1 and files.pop().endswith(".py"):
        return 0
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist reads it
    return len(os.sched_getaffinity(0)) + 1  # the cores this process may use


# Files that share a costly session fixture (a notebook run, a served app): each group
# runs whole on one worker, so the fixture is made once. Every other file is its own unit.
SHARED_FIXTURE_GROUPS: dict[str, str] = {
    "tests/test_notebooks.py": "sample_reports",
    "tests/test_report_outputs.py": "sample_reports",
    "tests/test_browser.py": "app_servers",
    "tests/test_browser_hosts.py": "app_servers",
    "tests/test_browser_links.py": "app_servers",
}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadfile`, with the files of `SHARED_FIXTURE_GROUPS` kept together."""
    from xdist.scheduler import LoadFileScheduling

    class SharedFixtureScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            file = super()._split_scope(nodeid)
            return SHARED_FIXTURE_GROUPS.get(file, file)

    return SharedFixtureScheduling(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files with a `slow` or `browser` test go first, each file's tests kept together
    and in order: the workers start on the long files, rather than one of them ending
    the run alone with one."""
    slow = {i.path for i in items if any(i.iter_markers("slow")) or any(i.iter_markers("browser"))}
    items.sort(key=lambda item: item.path not in slow)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(
    item: pytest.Item,  # noqa: ARG001 (pytest's hook signature)
    nextitem: pytest.Item | None,
) -> Iterator[None]:
    """The shared Chromium stops once the next test does not use it (see SharedChromium)."""
    yield
    if nextitem is None or "browser" not in getattr(nextitem, "fixturenames", ()):
        SHARED.close()


def pytest_unconfigure(config: pytest.Config) -> None:  # noqa: ARG001 (pytest's hook signature)
    shutil.rmtree(_CACHE, ignore_errors=True)
    if _OWN_SCRATCH:
        shutil.rmtree(os.environ[SCRATCH_VARIABLE], ignore_errors=True)
        _SCRATCH_WATCH.kill()
        _SCRATCH_WATCH.wait()


@pytest.fixture(scope="session")
def sample_path() -> Path:
    """The committed sample snapshot. Missing, it fails the tests that need it (the
    privacy tests among them) rather than letting them pass unchecked."""
    if not (SAMPLE / "manifest.json").is_file():
        pytest.fail(
            "data/sample/manifest.json is missing: the committed sample snapshot is needed "
            "(regenerate it with `make sample`)",
            pytrace=False,
        )
    return SAMPLE


@pytest.fixture(scope="session")
def sample(sample_path: Path) -> Snapshot:
    """The committed sample snapshot, loaded once."""
    return load_snapshot(sample_path)


@pytest.fixture(scope="session")
def people_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small snapshot of people for subject-access pack tests (see tests/sar_people.py)."""
    from sar_people import build_people

    return build_people(tmp_path_factory.mktemp("people") / "people")


@pytest.fixture(scope="session")
def people(people_path: Path) -> Snapshot:
    """The people snapshot, loaded once."""
    return load_snapshot(people_path)


@pytest.fixture(scope="session")
def usage_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded snapshot of organisations, users and activity (see tests/usage_people.py)."""
    from usage_people import build_usage_snapshot

    return build_usage_snapshot(tmp_path_factory.mktemp("usage") / "usage")


@pytest.fixture(scope="session")
def usage_snapshot(usage_path: Path) -> Snapshot:
    """The seeded activity snapshot, loaded once."""
    return load_snapshot(usage_path)


@pytest.fixture(scope="session")
def clock_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One finding or schedule item of each deadline kind (see tests/clock_snapshot.py)."""
    from clock_snapshot import build_clock_snapshot

    return build_clock_snapshot(tmp_path_factory.mktemp("clock") / "snap")


@pytest.fixture(scope="session")
def clock(clock_path: Path) -> Snapshot:
    """The clock snapshot, loaded once."""
    return load_snapshot(clock_path)


@pytest.fixture(scope="session")
def lifecycle_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The checks of five exports whose findings come and go (tests/lifecycle_snapshots.py),
    by `exported_at`."""
    from lifecycle_snapshots import build_results

    return build_results(tmp_path_factory.mktemp("lifecycle"))


@pytest.fixture(scope="session")
def deletion_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Four monthly snapshots in which data is deleted (see tests/deletion_snapshots.py)."""
    from deletion_snapshots import build_months

    return build_months(tmp_path_factory.mktemp("deletions"))


@pytest.fixture(scope="session")
def deletion_months(deletion_paths: dict[str, Path]) -> dict[str, Any]:
    """Each of those months loaded and checked, by month: ready to record in a ledger."""
    from insight_workbench.policy import load_policy
    from insight_workbench.rules.runner import run_check

    return {
        month: run_check(load_snapshot(path), load_policy())
        for month, path in deletion_paths.items()
    }


@pytest.fixture(scope="session")
def sample_reports(sample_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Every report notebook run on the sample, signed, into an empty ledger (see
    tests/sample_reports.py): once per test process, so the files reading these runs
    are one group of `SHARED_FIXTURE_GROUPS`, run by one worker. The runs are only
    read: a test that changes one works on a copy."""
    from sample_reports import run_sample_reports

    return run_sample_reports(sample_path, tmp_path_factory.mktemp("sample-reports"))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    """One PostgreSQL server for the session (see tests/postgres_server.py)."""
    from postgres_server import require_postgres, running_server

    with running_server(require_postgres()) as server:
        yield server


@pytest.fixture(scope="session")
def ledgers(tmp_path_factory: pytest.TempPathFactory) -> LedgerMaker:
    """Makes fresh migrated ledgers (see tests/ledger_maker.py)."""
    return LedgerMaker(tmp_path_factory.mktemp("ledger-template"))


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_setting(
    request: pytest.FixtureRequest, ledgers: LedgerMaker, tmp_path: Path
) -> Iterator[str]:
    """A fresh, empty ledger on each backend, migrated: a SQLite path or a PostgreSQL URL.
    Every ledger test takes this fixture (or `new_ledger_setting`), so both databases pass
    the same tests. The ledger's pooled connections are closed afterwards, so the server
    never runs out."""
    from insight_workbench.ledger.database import close_ledgers

    yield ledgers.new(request, request.param, tmp_path)
    close_ledgers()


@pytest.fixture(params=["sqlite", "postgresql"])
def lifecycle_ledger(
    request: pytest.FixtureRequest, ledgers: LedgerMaker, tmp_path: Path, lifecycle_results: dict
) -> Iterator[str]:
    """As `ledger_setting`, holding the four lifecycle runs recorded in `RECORDING_ORDER`
    (tests/lifecycle_snapshots.py): recorded once per backend, then copied, so each test
    changes only its own copy."""
    from lifecycle_snapshots import RECORDING_ORDER, record

    def four_runs(setting: str) -> None:
        record(setting, lifecycle_results, RECORDING_ORDER)

    yield from recorded_copy(request, ledgers, tmp_path, "lifecycle", four_runs)


@pytest.fixture(params=["sqlite", "postgresql"])
def deletions_ledger(
    request: pytest.FixtureRequest, ledgers: LedgerMaker, tmp_path: Path, deletion_months: dict
) -> Iterator[str]:
    """As `ledger_setting`, holding the four deletion months recorded out of order
    (`OUT_OF_ORDER`, tests/deletion_snapshots.py): recorded once per backend, then copied."""
    from deletion_snapshots import OUT_OF_ORDER, record

    def months_out_of_order(setting: str) -> None:
        record(setting, deletion_months, OUT_OF_ORDER)

    yield from recorded_copy(request, ledgers, tmp_path, "deletions", months_out_of_order)


@pytest.fixture(params=["sqlite", "postgresql"])
def new_ledger_setting(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database on each backend that no ledger was ever opened in: for the
    tests of migrating a new ledger."""
    from insight_workbench.ledger.database import close_ledgers

    if request.param == "sqlite":
        yield str(tmp_path / "ledger.sqlite")
    else:
        yield str(request.getfixturevalue("postgres_server").new_database())
    close_ledgers()


@pytest.fixture
def browser() -> Iterator[Any]:
    """The process's Chromium (launched by the first test that asks for it); the
    contexts a test opens are closed after it."""
    chromium = SHARED.get()
    yield chromium
    for context in chromium.contexts:
        context.close()


@pytest.fixture(scope="session")
def app_servers() -> Iterator[AppServers]:
    """The app servers of this process, one per environment, shared by the browser tests
    (the files that use them are one group of `SHARED_FIXTURE_GROUPS`: one process)."""
    servers = AppServers()
    yield servers
    servers.close()
