"""Running a report notebook with papermill: executed notebook, HTML, PDF, run.json.

Each run gets its own folder `<out>/<notebook>/<start time>/` (a suffix when two
runs start in the same second); nothing is ever overwritten, and nothing is written
through a notebook folder that is a symbolic link. The notebook runs
in that folder, and its kernel's connection file and sockets live in a private
temporary folder of the run: runs at the same moment cannot collide, and the
notebooks folder is only read (it may be read-only). The run holds a lock for
its duration (see run_lock), so a run killed part-way is later seen as such. The snapshot and
the policy are loaded before anything runs, so unusable input is refused with
an InputError and no run folder. A failing cell leaves the partial notebook,
its HTML, and a run.json with status `failed` naming the cell. A run whose file cannot
be written (a full or read-only disk) stops writing there: its run.json names the file
and the OS's reason (`"stage": "write"`), and the run also ends in exit 2.

Nothing a run leaves names a path of this machine: the record and the executed
notebook name the snapshot, policy and notebook by their file names and checksums.
The PDF is printed when a printer is found (see pdf) and the caller wants one; when
not, the record says why.
With a signing key configured (see signing), run.json is signed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import insight_workbench.reports.local_papermill  # noqa: F401  # first: see there

# isort: split
import nbformat
import papermill
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jupyter_client.manager import AsyncKernelManager
from papermill.exceptions import PapermillExecutionError
from traitlets import default
from traitlets.config import Config

from insight_workbench import __version__
from insight_workbench.analyst.pseudonyms import KEY_FILE_VARIABLE, load_pseudonym_key
from insight_workbench.atomic import (
    WriteError,
    naming_the_target,
    reported_write_errors,
    write_atomically,
)
from insight_workbench.errors import InputError
from insight_workbench.ledger.audit_trail import log, loggable_key
from insight_workbench.ledger.database import acting_role, acting_user, is_url, open_ledger
from insight_workbench.ledger.runs import identity_of, is_recorded, record_run
from insight_workbench.loading.manifest import sha256_file
from insight_workbench.loading.workspace import open_snapshot
from insight_workbench.policy import load_policy, settings_fingerprint
from insight_workbench.progress import OnStep
from insight_workbench.reports.kernel_launcher import MODULE as KERNEL_LAUNCHER
from insight_workbench.reports.notebooks import (
    MONTHLY_SET,
    PATH_PARAMETERS,
    RUN_POLICY_VARIABLE,
    RUN_SNAPSHOT_VARIABLE,
    ReportNotebook,
    check_parameters,
    find_notebook,
    parameters_cell_index,
)
from insight_workbench.reports.pdf import print_pdf
from insight_workbench.reports.progress_engine import ENGINE
from insight_workbench.reports.report_html import export_report, shared_script_name
from insight_workbench.reports.report_style import ReportContext
from insight_workbench.reports.run_lock import LOCK_FILE, RunLock
from insight_workbench.reports.signing import load_private_key, sign, signing_key_file
from insight_workbench.rules.runner import rules_to_run, run_check
from insight_workbench.timeutil import (
    format_utc,
    parse_as_of,
    parse_timestamp,
    start_of_utc_day,
    to_utc,
)

KERNEL = "python3"
RUN_FILE = "run.json"
RESULTS_FILE = "results.json"
FOLDER_TIME = "%Y-%m-%dT%H%M%SZ"
NO_PDF = "not requested"  # why a run asked not to print has no PDF
EXPORT_STAGE = "report"  # run.json's error.stage when the report, not a cell, failed
WRITE_STAGE = "write"  # run.json's error.stage when a file of the run could not be written


class IpcKernelManager(AsyncKernelManager):
    """The kernel talks over local sockets, not loopback TCP: the cells' outputs
    (personal data) never cross an unencrypted network socket. It starts through
    kernel_launcher (no debugger) when its kernel is ipykernel's."""

    @default("transport")
    def _default_transport(self) -> str:
        return "ipc"

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command: list[str] = super().format_kernel_cmd(extra_arguments)
        return without_debugger(command)


def without_debugger(command: list[str], interpreter: str = sys.executable) -> list[str]:
    """A kernel command `python -m ipykernel_launcher ...` made to start kernel_launcher
    instead, when its python is one of this environment's (a `python*` in the folder of
    `interpreter`, which holds the launcher: a kernel spec names `python` where the
    command line runs `python3`); any other command is left as it is. The interpreter
    flag kept for the debugger's breakpoints (`-Xfrozen_modules=off`) goes too."""
    if not command or not _same_environment(command[0], interpreter):
        return command
    for index in range(len(command) - 1):
        if command[index] == "-m" and command[index + 1] == "ipykernel_launcher":
            start = [arg for arg in command[:index] if arg != "-Xfrozen_modules=off"]
            return [*start, "-m", KERNEL_LAUNCHER, *command[index + 2 :]]
    return command


def _same_environment(python: str, interpreter: str) -> bool:
    """Folders compared with links resolved (an environment reached through a linked
    folder is the same one); the interpreters themselves are not resolved, since every
    environment's python links to the same system interpreter."""
    named = Path(os.path.abspath(python))
    if not named.name.startswith("python"):
        return False
    return named.parent.resolve() == Path(os.path.abspath(interpreter)).parent.resolve()


@contextmanager
def _private_kernel_folder() -> Iterator[Config]:
    """A new folder only this user can enter, for the kernel's connection file and its
    sockets (whose names would otherwise be fixed, relative to the current folder)."""
    with tempfile.TemporaryDirectory(prefix="insight-kernel-", ignore_cleanup_errors=True) as tmp:
        private = Path(tmp)  # mkdtemp: mode 0700
        # The kernel's IPython profile too: no folder left in $HOME, and no startup
        # script of the user's own changes what an audit notebook computes.
        with _variable_set("IPYTHONDIR", str(private / "ipython")):
            yield Config(
                IpcKernelManager={
                    "connection_file": str(private / "kernel.json"),
                    "ip": str(private / "kernel-ipc"),
                }
            )


@contextmanager
def _variable_set(name: str, value: str) -> Iterator[None]:
    """The environment variable `name` (inherited by the kernel) is `value` meanwhile."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


@dataclass(frozen=True)
class RunResult:
    folder: Path
    record: dict[str, Any]

    @property
    def succeeded(self) -> bool:
        status: str = self.record["status"]
        return status == "succeeded"


@dataclass(frozen=True)
class PreparedRun:
    """A run whose inputs were checked: nothing has been written yet."""

    notebook: ReportNotebook
    parameters: dict[str, Any]
    record: dict[str, Any]
    signing_key: Ed25519PrivateKey | None = None


def prepare_run(
    notebook: str | Path,
    snapshot: str | Path,
    *,
    as_of: str | None = None,
    parameters: dict[str, Any] | None = None,
) -> PreparedRun:
    """Check everything a run needs; raises InputError (before any folder is made)."""
    found = find_notebook(notebook)
    given = dict(parameters or {})
    check_parameters(found, given)
    for name in ("snapshot", "as_of", "results_path"):
        if name not in found.parameters:
            raise InputError(f"{found.name}: its parameters cell has no '{name}'")
    loaded = open_snapshot(snapshot)
    try:
        moment = parse_as_of(as_of, loaded.manifest.exported_at)
        manifest = loaded.manifest
    finally:
        loaded.con.close()
    values = {"snapshot": str(snapshot), "as_of": as_of, **given}
    values = {k: _absolute_paths(v) if k in PATH_PARAMETERS else v for k, v in values.items()}
    policy_path = values.get("policy")
    policy = load_policy(policy_path)
    if found.analyst_safe:  # it needs the key; it counts to the start of as_of's UTC day
        moment = start_of_utc_day(moment)
        key_file = values.get("pseudonym_key_file")
        if key_file:
            load_pseudonym_key({KEY_FILE_VARIABLE: key_file}, None, "-p pseudonym_key_file")
        else:
            load_pseudonym_key()
    key_file = signing_key_file()
    signing_key = load_private_key(key_file) if key_file else None
    # an unusable INSIGHT_LEDGER or INSIGHT_USER is refused before anything runs
    open_ledger()
    acting_user()
    record = {
        "notebook": found.name,
        "notebook_sha256": sha256_file(found.path),
        "parameters": recorded_parameters(values),
        "snapshot": {
            "name": Path(values["snapshot"]).name,
            "snapshot_id": manifest.snapshot_id,
            "exported_at": manifest.exported_at_iso,
            "checksum": manifest.checksum,
        },
        "as_of": format_utc(moment),
        "policy": {"path": _names(policy_path), "values": policy.as_dict()},
        "package_version": __version__,
    }
    return PreparedRun(found, values, record, signing_key)


def recorded_parameters(values: dict[str, Any]) -> dict[str, Any]:
    """The parameters as recorded: a path by its file name (no path of this machine)."""
    return {
        name: _names(value) if name in (*PATH_PARAMETERS, "results_path") else value
        for name, value in values.items()
    }


def _names(value: Any) -> Any:
    if isinstance(value, str | Path):
        return Path(value).name
    if isinstance(value, list):
        return [_names(v) for v in value]
    return value


# A traceback's file, spaces in its folders included (a home folder named after a person):
# IPython writes `File /home/Jane Doe/x.py:7`, Python `File "/home/Jane Doe/x.py", line 7`.
TRACEBACK_FILE = re.compile(r'(?<=File )("?)/[^\n"]*/([^/\n"]+\.pyx?)(?=:\d|", line )')


def without_paths(text: str) -> str:
    """An error message with every absolute path cut to its last part."""
    text = TRACEBACK_FILE.sub(r"\1\2", text)
    return re.sub(r"(?<![\w.:/])/(?:[^\s'\"/]+/)+([^\s'\"/]*)", r"\1", text)


def run_report(
    notebook: str | Path,
    snapshot: str | Path,
    out: str | Path,
    *,
    as_of: str | None = None,
    parameters: dict[str, Any] | None = None,
    pdf: bool = True,
) -> RunResult:
    """Run one notebook on one snapshot into a new folder under `out` (`pdf`: print it)."""
    prepared = prepare_run(notebook, snapshot, as_of=as_of, parameters=parameters)
    return execute(prepared, out, pdf=pdf)


QUIET_LOGGERS = ("tornado", "asyncio", "traitlets", "papermill")


@contextmanager
def _quiet_kernel_shutdown() -> Iterator[None]:
    """The kernel's message streams and its client may log a harmless error with a
    traceback while the kernel shuts down ("Kernel died" after a Ctrl-C); a run's outcome
    is recorded in run.json, not in those logs. After a Ctrl-C they stay quiet: the
    process is ending, and what is left of the run is logged as it is collected."""
    loggers = [logging.getLogger(name) for name in QUIET_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    except KeyboardInterrupt:
        raise
    except BaseException:
        _set_levels(loggers, levels)
        raise
    _set_levels(loggers, levels)


def _set_levels(loggers: list[logging.Logger], levels: list[int]) -> None:
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


# The settings naming a file or folder that the kernel reads as this process does: the
# cache of workspaces (and the ledger in it by default), the spill folder, the ledger.
FOLDER_VARIABLES = ("INSIGHT_CACHE_DIR", "INSIGHT_TEMP_DIR", "INSIGHT_LEDGER")


@contextmanager
def _kernel_environment(checksum: str, policy: str) -> Iterator[None]:
    """The kernel inherits this process's environment but runs in its run folder: a
    relative key file path, cache or spill folder or SQLite ledger is made absolute for
    the run's duration (else the kernel would build a second workspace of the snapshot
    inside the run folder, or read an empty ledger made there). It is told the
    `checksum` of the snapshot's manifest and the fingerprint of the `policy` settings
    the record names, and refuses any other."""
    with ExitStack() as stack:
        stack.enter_context(_variable_set(RUN_SNAPSHOT_VARIABLE, checksum))
        stack.enter_context(_variable_set(RUN_POLICY_VARIABLE, policy))
        for name in (KEY_FILE_VARIABLE, *FOLDER_VARIABLES):
            value = os.environ.get(name, "")
            value = value.strip() if name == KEY_FILE_VARIABLE else value  # as each reads it
            if value and not is_url(value):
                # as this process reads it: from the working folder, `~` expanded
                made = str(Path(value).expanduser().absolute())
                if made != value:
                    stack.enter_context(_variable_set(name, made))
        yield


# A block of most file systems; a run's last record, a digest per file, is about 2 KiB.
RESERVED_BYTES = 4 * 1024


def execute(
    prepared: PreparedRun, out: str | Path, on_step: OnStep | None = None, *, pdf: bool = True
) -> RunResult:
    """Run a prepared notebook into a new folder under `out` (a relative `out` is the
    caller's: the notebook itself runs in the new folder); `on_step` hears of each cell
    once it has run ("cell n of m"); without `pdf` no PDF is printed."""
    start = datetime.now(UTC).replace(microsecond=0)  # a run is recorded to the second
    root = Path(absolute_path(out))
    folder = new_run_folder(root, prepared.notebook.name, start)
    executed = folder / f"{prepared.notebook.name}.ipynb"
    record = {**prepared.record, "start": format_utc(start), "end": None, "status": "running"}
    record["files"] = {"notebook": executed.name, "html": f"{prepared.notebook.name}.html"}
    lock = RunLock(folder)  # before the first record: a `running` record always has it
    try:
        with reported_write_errors(folder / RUN_FILE):
            write_record(folder, record, reserve=True)
    except InputError:
        lock.release()
        shutil.rmtree(folder, ignore_errors=True)  # nothing ran: leave no run behind
        raise
    checksum = prepared.record["snapshot"]["checksum"]
    policy = settings_fingerprint(prepared.record["policy"]["values"])
    with (
        _quiet_kernel_shutdown(),
        _kernel_environment(checksum, policy),
        _private_kernel_folder() as kernel,
    ):
        try:
            papermill.execute_notebook(
                str(prepared.notebook.path.absolute()),  # absolute: see local_papermill
                str(executed.absolute()),
                parameters={**prepared.parameters, "results_path": str(folder / RESULTS_FILE)},
                kernel_name=KERNEL,
                language="python",  # the kernel's, whatever the file names (or if none)
                cwd=str(folder),  # never the notebooks folder: it may be read-only or shared
                progress_bar=False,
                engine_name=ENGINE,
                on_step=on_step,
                kernel_manager_class=IpcKernelManager,
                config=kernel,
            )
            record["status"], record["error"] = "succeeded", None
        except PapermillExecutionError as error:
            record["status"], record["error"] = "failed", _cell_error(prepared, error)
        except WriteError as error:  # the executed notebook: a full or read-only disk
            record["status"], record["error"] = "failed", write_failure(error, folder)
        except Exception as error:  # the kernel died or would not start: still a recorded run
            record["status"] = "failed"
            record["error"] = {
                "cell": None,
                "ename": type(error).__name__,
                "evalue": recorded_message(type(error).__name__, str(error)),
            }
    if executed.is_file() and not _write_failed(record):  # after a refused write, no more
        _write_report(executed, prepared, record, root, pdf=pdf)
    if (folder / RESULTS_FILE).is_file():
        record["files"]["results"] = RESULTS_FILE
    record["end"] = format_utc(datetime.now(UTC).replace(microsecond=0))
    record["sha256"] = left_digests(folder, record["files"].values())
    if prepared.signing_key is not None:
        record = sign(record, prepared.signing_key)
    with reported_write_errors(folder / RUN_FILE):
        try:
            write_record(folder, record)
        except OSError:  # a full disk: the last record in the room the first one kept
            if not overwrite_reserved(folder / RUN_FILE, record):
                raise
    lock.release()
    record_in_ledger(prepared, record)
    return RunResult(folder, record)


def _write_report(
    executed: Path, prepared: PreparedRun, record: dict[str, Any], root: Path, *, pdf: bool
) -> None:
    """The report made from the executed notebook: HTML, the shared plotly.js, the PDF
    (when `pdf`). A failure is recorded in `record`, never raised: a file that could
    not be written by its name, a notebook left unreadable as such."""
    folder = executed.parent
    try:
        scrub_notebook(executed, prepared)
        script = write_shared_script(root)
        record["shared"] = {"plotly.js": script}
        html = folder / record["files"]["html"]
        with naming_the_target(html):
            printable = export_html(executed, html, _context(record, folder), script["path"])
        if pdf:
            _print(html, printable, record)
        else:
            record["pdf"] = {"status": "skipped", "reason": NO_PDF}
    except WriteError as error:
        record["status"], record["error"] = "failed", write_failure(error, folder)
    except (OSError, ValueError, nbformat.ValidationError) as error:  # a notebook left
        # truncated or unreadable: the record says so, never "running"
        record["status"] = "failed"
        reason = error.strerror if isinstance(error, OSError) else "unreadable notebook"
        record["error"] = {
            "cell": None,
            "ename": type(error).__name__,
            "evalue": reason,
            "stage": EXPORT_STAGE,  # the notebook ran: its report could not be written
        }


def write_failure(error: WriteError, folder: Path) -> dict[str, Any]:
    """run.json's error for a file of the run that could not be written: the file as
    named from the run folder (no path of this machine) and the OS's reason."""
    name = os.path.relpath(error.filename, folder)
    return {
        "cell": None,
        "ename": error.kind,
        "evalue": f"cannot write {name}: {error.strerror}",
        "stage": WRITE_STAGE,
        "file": name,
    }


def _write_failed(record: dict[str, Any]) -> bool:
    return (record.get("error") or {}).get("stage") == WRITE_STAGE


def left_digests(folder: Path, own: Iterable[str]) -> dict[str, str]:
    """The SHA-256 of each file the run left, so a copy of the report can be checked
    against its record: its `own` files, and any a notebook wrote beside them (`reports
    verify` names any other as added later); never the record itself or the run's lock."""
    left = {
        path.relative_to(folder).as_posix()
        for path in _files_under(folder)
        if path.parent != folder or path.name not in (RUN_FILE, LOCK_FILE)
    }
    names = sorted({*own, *left})
    return {name: sha256_file(folder / name) for name in names if (folder / name).is_file()}


def _files_under(folder: Path) -> Iterator[Path]:
    """Every regular file under `folder`, in its sub-folders too; links are not followed
    (a link is not a file the run wrote: `reports verify` names it)."""
    for root, folders, files in os.walk(folder):
        folders[:] = [f for f in folders if not (Path(root) / f).is_symlink()]
        for name in files:
            path = Path(root) / name
            if path.is_file() and not path.is_symlink():
                yield path


def record_in_ledger(prepared: PreparedRun, record: dict[str, Any]) -> None:
    """A `report_run` entry in the audit trail; a compliance report that succeeded also
    records the run it judged (source `report`: once, whichever report comes first; the
    rules run again only when the ledger does not hold that run yet)."""
    ledger = open_ledger()
    who, role = acting_user(), acting_role()
    snapshot_id = record["snapshot"]["snapshot_id"]
    name = prepared.notebook.name
    judged = record["status"] == "succeeded" and name in MONTHLY_SET
    if judged and not is_recorded(ledger, judged_run_id(record)):
        loaded = open_snapshot(prepared.parameters["snapshot"])
        try:
            # A folder that holds another export by now, or a policy file edited since, is
            # not what the report judged: its run is left for `check --record`.
            policy = load_policy(prepared.parameters.get("policy"))
            same_policy = policy.fingerprint() == settings_fingerprint(record["policy"]["values"])
            if loaded.manifest.checksum == record["snapshot"]["checksum"] and same_policy:
                moment = parse_as_of(prepared.parameters["as_of"], loaded.manifest.exported_at)
                result = run_check(loaded, policy, moment)
                record_run(ledger, result, source="report", by=who, role=role)
        finally:
            loaded.con.close()
    log(ledger, who, role, "report_run", [loggable_key(f"notebook:{name}")], snapshot_id)


def judged_run_id(record: dict[str, Any]) -> str:
    """The id of the run a compliance report judged (every rule, at the report's as-of,
    under its policy), from its record: the monthly set records it once, so the reports
    after the first need not run the rules again to find it already there."""
    return identity_of(
        record["snapshot"]["checksum"],
        parse_timestamp(record["as_of"]),
        record["policy"]["values"],
        [rule.code for rule in rules_to_run()],
    )


def notebook_folder(out: Path, notebook: str) -> Path:
    """`<out>/<notebook>`, where the notebook's runs go; InputError when it is a symbolic
    link: a run written through it would leave the reports folder, where `reports
    verify` and `reports prune` never follow (see runs)."""
    parent = out / notebook
    if parent.is_symlink():
        raise InputError(f"{parent}: a symbolic link; runs are written only inside --out")
    return parent


def new_run_folder(out: Path, notebook: str, start: datetime) -> Path:
    """`<out>/<notebook>/<start>/`, or `<start>-2`, `-3`... when taken: never reused."""
    parent = notebook_folder(out, notebook)
    stamp = to_utc(start).strftime(FOLDER_TIME)
    try:
        # owner-only, whatever the umask, as every file of a run: they hold snapshot data
        parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        for attempt in range(1, 1000):
            folder = parent / (stamp if attempt == 1 else f"{stamp}-{attempt}")
            try:
                folder.mkdir(mode=0o700)
            except FileExistsError:
                continue
            return folder
    except OSError as error:  # read-only, no space, or a file in the way
        raise InputError(f"--out {out}: cannot write there ({error.strerror})") from None
    raise InputError(f"{parent}: too many runs started at {stamp}")


def write_record(folder: Path, record: dict[str, Any], *, reserve: bool = False) -> None:
    """Write run.json atomically, so a reader never sees half a record. The first record
    of a run (`reserve`) is padded with spaces (JSON ignores them) to RESERVED_BYTES: on a
    disk that fills up during the run, the last record can still be written over it."""
    document = _record_bytes(record)
    write_atomically(folder / RUN_FILE, document.ljust(RESERVED_BYTES) if reserve else document)


def overwrite_reserved(path: Path, record: dict[str, Any]) -> bool:
    """Write `record` over the run.json at `path` within its present size, which needs no
    new block of a full disk; False (the file untouched) when it does not fit. The first
    record then stays, and the run, its lock released, reads as interrupted."""
    document = _record_bytes(record)
    size = path.stat().st_size
    if len(document) > size:
        return False
    with path.open("r+b") as file:  # never truncated: no block is freed or taken
        file.write(document.ljust(size))
        file.flush()
        os.fsync(file.fileno())
    return True


def _record_bytes(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, indent=2, default=str) + "\n").encode("utf-8")


def export_html(executed: Path, target: Path, context: ReportContext, script: str) -> str:
    """The report as HTML: outputs only, sanitised, with its charts and nothing loaded
    from the network (see report_html). Returns its printable copy (no script)."""
    return export_report(executed, target, context, script)


def write_shared_script(root: Path) -> dict[str, str]:
    """The reports folder's one copy of plotly.js (written once, rewritten only if it
    differs), and how a run folder two levels down names it."""
    name = shared_script_name()
    digest = _plotly_bundle_digest()
    path = root / name
    if not path.is_file() or path.is_symlink() or sha256_file(path) != digest:
        with naming_the_target(path):
            path.unlink(missing_ok=True)
            write_atomically(path, _plotly_bundle())
    return {"path": f"../../{name}", "sha256": digest}


def _plotly_bundle() -> bytes:
    from plotly.offline import get_plotlyjs

    bundle: str = get_plotlyjs()
    return bundle.encode("utf-8")


@cache  # the installed bundle cannot change while this process runs
def _plotly_bundle_digest() -> str:
    return hashlib.sha256(_plotly_bundle()).hexdigest()


def scrub_notebook(executed: Path, prepared: PreparedRun) -> None:
    """The executed notebook names its inputs by file name, as run.json does: papermill
    wrote the absolute paths the kernel needed into its metadata and parameters cell. A
    failed cell's traceback and any printed warning name files by their last part too
    (the code's own paths are the machine's, under a home folder)."""
    notebook = nbformat.read(executed, as_version=4)
    shown = recorded_parameters({**prepared.parameters, "results_path": RESULTS_FILE})
    papermill_meta = notebook.metadata.get("papermill", {})
    papermill_meta.update(
        input_path=prepared.notebook.path.name, output_path=executed.name, parameters=shown
    )
    for cell in notebook.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            lines = [f"{name} = {value!r}" for name, value in shown.items()]
            cell.source = "# Parameters (paths by file name)\n" + "\n".join(lines) + "\n"
        for output in cell.get("outputs", []):
            _outputs_without_paths(output)
    with naming_the_target(executed):
        write_atomically(executed, nbformat.writes(notebook).encode("utf-8"))


ANSI_CODES = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _outputs_without_paths(output: Any) -> None:
    if output.get("output_type") == "error":
        output["evalue"] = without_paths(str(output.get("evalue", "")))
        output["traceback"] = [
            without_paths(ANSI_CODES.sub("", str(line))) for line in output.get("traceback", [])
        ]
    elif output.get("output_type") == "stream" and output.get("name") == "stderr":
        output["text"] = without_paths(str(output.get("text", "")))  # warnings name files


def _print(html: Path, printable: str, record: dict[str, Any]) -> None:
    """The PDF beside `html`, printed from its script-free copy in a folder of its own,
    then written whole and readable by its owner only, as the other files of a run."""
    pdf = html.with_suffix(".pdf")
    with tempfile.TemporaryDirectory(prefix="insight-printable-") as folder:
        copy = Path(folder) / html.name
        copy.write_text(printable, encoding="utf-8")
        printed = print_pdf(copy, Path(folder) / pdf.name)
        if printed.pdf is not None:
            with naming_the_target(pdf):
                write_atomically(pdf, printed.pdf.read_bytes())
    if printed.pdf is not None:
        record["files"]["pdf"] = pdf.name
        record["pdf"] = {"status": "printed"}
    else:
        record["pdf"] = {"status": "skipped", "reason": printed.skipped}


def _context(record: dict[str, Any], folder: Path) -> ReportContext:
    return ReportContext(
        notebook=record["notebook"],
        snapshot_id=record["snapshot"]["snapshot_id"],
        as_of=record["as_of"],
        run_id=f"{record['notebook']}/{folder.name}",
        generated=format_utc(datetime.now(UTC).replace(microsecond=0)),
    )


def _cell_error(prepared: PreparedRun, error: PapermillExecutionError) -> dict[str, Any]:
    """Where the run stopped: the cell's index in the source notebook (papermill's index
    counts the injected parameters cell after the `parameters` cell)."""
    index = error.cell_index
    if index > parameters_cell_index(prepared.notebook.path):
        index -= 1
    return {
        "cell": index,
        "execution_count": error.exec_count,
        "ename": error.ename,
        "evalue": recorded_message(error.ename, str(error.evalue)),
    }


def recorded_message(ename: str, evalue: str) -> str | None:
    """What run.json keeps of an error's message: the workbench's own words (an
    `InputError` names a file, table or option, never a value), without paths. Any other
    message may quote the data (`KeyError: 'ann@example.org'`), and run.json is kept,
    signed and listed to the notebook's readers: the executed notebook holds it."""
    return without_paths(evalue)[:500] if ename == "InputError" else None


def absolute_path(path: str | Path) -> str:
    """`path` made absolute against the current folder (`~` expanded): the notebook runs
    in its own folder, where the caller's relative paths would name something else."""
    return str(Path(path).expanduser().resolve())


def _absolute_paths(value: Any) -> Any:
    if isinstance(value, str | Path):
        return absolute_path(value)
    if isinstance(value, list):
        return [_absolute_paths(v) for v in value]
    return value
