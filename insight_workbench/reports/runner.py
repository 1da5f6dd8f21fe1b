"""Running a report notebook with papermill: executed notebook, HTML, PDF, run.json.

Each run gets its own folder under `out` (see run_records); nothing is ever
overwritten. The notebook runs in that folder, and its kernel's connection file and
sockets live in a private temporary folder of the run (see run_kernel): runs at the
same moment cannot collide, and the notebooks folder is only read (it may be
read-only). The run holds a lock for its duration (see run_lock), so a run killed
part-way is later seen as such. The snapshot and the policy are loaded before
anything runs, so unusable input is refused with an InputError and no run folder. A
failing cell leaves the partial notebook, its HTML (see report_export), and a
run.json with status `failed` naming the cell. A run whose file cannot be written (a
full or read-only disk) stops writing there, and also ends in exit 2.

Nothing a run leaves names a path of this machine: the record and the executed
notebook name the snapshot, policy and notebook by their file names and checksums.
With a signing key configured (see signing), run.json is signed.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import insight_workbench.reports.local_papermill  # noqa: F401  # first: see there

# isort: split
import papermill
from papermill.exceptions import PapermillExecutionError

from insight_workbench import __version__
from insight_workbench.analyst.pseudonyms import KEY_FILE_VARIABLE, load_pseudonym_key
from insight_workbench.atomic import WriteError, reported_write_errors
from insight_workbench.errors import InputError
from insight_workbench.ledger.audit_trail import log, loggable_key
from insight_workbench.ledger.database import acting_role, acting_user, open_ledger
from insight_workbench.ledger.runs import identity_of, is_recorded, record_run
from insight_workbench.loading.manifest import sha256_file
from insight_workbench.loading.workspace import open_snapshot
from insight_workbench.policy import load_policy, settings_fingerprint
from insight_workbench.progress import OnStep
from insight_workbench.reports.notebooks import (
    MONTHLY_SET,
    PATH_PARAMETERS,
    check_parameters,
    find_notebook,
    parameters_cell_index,
)
from insight_workbench.reports.progress_engine import ENGINE
from insight_workbench.reports.report_export import write_report
from insight_workbench.reports.run_kernel import (
    KERNEL,
    IpcKernelManager,
    kernel_environment,
    private_kernel_folder,
    quiet_kernel_shutdown,
)
from insight_workbench.reports.run_lock import RunLock
from insight_workbench.reports.run_records import (
    RESULTS_FILE,
    RUN_FILE,
    PreparedRun,
    RunResult,
    file_names,
    left_digests,
    new_run_folder,
    overwrite_reserved,
    recorded_message,
    recorded_parameters,
    write_failed,
    write_failure,
    write_record,
)
from insight_workbench.reports.signing import load_private_key, sign, signing_key_file
from insight_workbench.rules.runner import rules_to_run, run_check
from insight_workbench.timeutil import format_utc, parse_as_of, parse_timestamp, start_of_utc_day


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
        "policy": {"path": file_names(policy_path), "values": policy.as_dict()},
        "package_version": __version__,
    }
    return PreparedRun(found, values, record, signing_key)


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
        quiet_kernel_shutdown(),
        kernel_environment(checksum, policy),
        private_kernel_folder() as kernel,
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
    if executed.is_file() and not write_failed(record):  # after a refused write, no more
        write_report(executed, prepared, record, root, pdf=pdf)
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
