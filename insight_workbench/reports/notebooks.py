"""Finding a report notebook and reading its `parameters` cell.

A notebook is named by a path or by the bare name of one in `notebooks/`
(`retention_audit`). Its parameters are those assigned in the one cell tagged
`parameters`; any other name passed with `-p` is refused before anything runs.
"""

from __future__ import annotations

import ast
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from insight_workbench.errors import InputError

# Set by `insight-workbench report` for its kernel: the checksum of the manifest its
# run.json names. The notebook opens the snapshot folder again, which may hold another
# export by then (a folder of the latest export, replaced while the run started). Here,
# not beside `open_inputs`, so run_kernel reads it without loading pandas.
RUN_SNAPSHOT_VARIABLE = "INSIGHT_REPORT_SNAPSHOT_SHA256"
# Likewise the fingerprint of the policy settings run.json records: the notebook reads
# the policy file again, which may have been edited since.
RUN_POLICY_VARIABLE = "INSIGHT_REPORT_POLICY_SHA256"

# Shipped inside the package (package data), so an installed workbench finds them too;
# the checkout's top-level `notebooks` is a link to this folder.
NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
# The monthly set run by `report --all`: the four audits and the pack that sums them up.
MONTHLY_SET = (
    "retention_audit",
    "subject_requests_audit",
    "deidentification_audit",
    "access_review",
    "monthly_compliance_pack",
)
# Parameters the report command sets itself: by an option, or by the run (None).
RESERVED = {"snapshot": "--snapshot", "as_of": "--as-of", "results_path": None}
# Parameters holding paths: made absolute, since the notebook runs in its own folder.
PATH_PARAMETERS = ("snapshot", "policy", "pseudonym_key_file")


@dataclass(frozen=True)
class Parameter:
    name: str
    type_name: str  # as papermill infers it from an annotation ("None" when there is none)
    default: str  # the default's source text
    help: str


@dataclass(frozen=True)
class ReportNotebook:
    name: str  # file name without .ipynb
    path: Path
    parameters: dict[str, Parameter]

    @property
    def analyst_safe(self) -> bool:
        """A report on the analyst-safe data (it takes the pseudonymisation key): its
        `as_of` counts to the start of its UTC day (`results.open_analyst_inputs`)."""
        return "pseudonym_key_file" in self.parameters


def find_notebook(name_or_path: str | Path, folder: Path | None = None) -> ReportNotebook:
    """The notebook at a path, or the one named so in `notebooks/`; InputError if none."""
    text = str(name_or_path)
    candidate = Path(text)
    if candidate.suffix != ".ipynb" and "/" not in text and "\\" not in text:
        candidate = (folder or NOTEBOOKS_DIR) / f"{text}.ipynb"
    if not candidate.is_file():
        known = ", ".join(available_notebooks(folder)) or "none"
        raise InputError(f"{text}: no such notebook (known in notebooks/: {known})")
    if candidate.stem.strip(".") == "":  # `...ipynb`: its runs' folder would be `..`
        raise InputError(f"{text}: a notebook's name must hold more than dots")
    return ReportNotebook(candidate.stem, candidate.resolve(), read_parameters(candidate))


def available_notebooks(folder: Path | None = None) -> list[str]:
    """Bare names of the notebooks in `notebooks/`, sorted."""
    root = folder or NOTEBOOKS_DIR
    return sorted(p.stem for p in root.glob("*.ipynb")) if root.is_dir() else []


def read_parameters(path: Path) -> dict[str, Parameter]:
    """The names assigned in the notebook's single `parameters` cell. A notebook that
    does not follow the notebook format is refused here, before anything runs."""
    import nbformat  # papermill and nbformat load only when a notebook is read

    import insight_workbench.reports.local_papermill  # noqa: F401  # first: see there

    # isort: split
    from papermill.translators import PythonTranslator

    try:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
    except nbformat.ValidationError as error:
        problem = str(error.message).splitlines()[0][:200]
        raise InputError(f"{path.name}: not a valid notebook ({problem})") from None
    except (OSError, ValueError, AttributeError, TypeError, KeyError, AssertionError):
        raise InputError(f"{path.name}: not a readable notebook") from None
    tagged = [c for c in notebook.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(tagged) != 1:
        raise InputError(f"{path.name}: needs exactly one cell tagged 'parameters'")
    # Every report runs in the workbench's Python kernel, whatever kernel the file names
    # (or if it names none): its parameters are read as Python.
    return {
        p.name: Parameter(p.name, str(p.inferred_type_name), str(p.default), str(p.help))
        for p in PythonTranslator.inspect(tagged[0])
    }


def parameters_cell_index(path: Path) -> int:
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    for index, cell in enumerate(notebook.cells):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return index
    return -1


def check_parameters(notebook: ReportNotebook, given: dict[str, Any]) -> None:
    """Refuse a `-p` name the notebook does not declare, or one set by an option."""
    for name in given:
        if name in RESERVED:
            option = RESERVED[name]
            how = f"set it with {option}" if option else "the run sets it"
            raise InputError(f"-p {name}: {how}, not -p")
        if name not in notebook.parameters:
            known = ", ".join(n for n in notebook.parameters if n not in RESERVED) or "none"
            raise InputError(
                f"-p {name}: {notebook.name} has no such parameter (it takes: {known})"
            )


def parse_value(name: str, parameter: Parameter | None, text: str) -> Any:
    """The `-p name` value `text`: kept as text for a text or path parameter, else read as
    JSON when it parses (numbers, true/false, null, lists), else text, and then held to
    the kind of the parameter's default. NaN and the infinities are refused: no JSON
    document (the run's record) can hold them."""
    default = _default_of(parameter)
    value: Any
    if isinstance(default, str) and name not in PATH_PARAMETERS:
        return text  # a text parameter's `none` is the word, not None
    if text in NULLS:
        value = None
    elif name in PATH_PARAMETERS:
        return text
    elif text in PYTHON_BOOLS:  # as the notebook's own cell writes them
        value = PYTHON_BOOLS[text]
    else:
        refuse = _not_finite(name)
        try:
            value = json.loads(
                text, parse_constant=refuse, parse_float=lambda t: refuse(t, float(t))
            )
        except json.JSONDecodeError:
            value = text
        except ValueError:  # an integer longer than Python converts (4,300 digits)
            raise InputError(f"-p {name}: a number too long to read") from None
    if parameter is None:
        return value
    return _of_kind(name, parameter, default, value)


NULLS = ("None", "none", "null")
PYTHON_BOOLS = {"True": True, "False": False}
_UNREADABLE = object()  # a default that is an expression, not a literal


def _default_of(parameter: Parameter | None) -> Any:
    if parameter is None:
        return _UNREADABLE
    try:
        return ast.literal_eval(parameter.default)
    except (ValueError, SyntaxError):
        return _UNREADABLE


def _of_kind(name: str, parameter: Parameter, default: Any, value: Any) -> Any:
    """`value` as the kind of the parameter's default, so that a run never starts only to
    fail in a cell: true or false for a true-false default, a whole number for a whole
    one (`1e3` is 1000), a number for a fraction. None is refused for them; a default of
    None, text or a list takes anything."""
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        said = "true or false"
    elif isinstance(default, int):
        # `1e3` is 1000; a fraction, or a float past 2**53 (digits a float cannot hold,
        # so not the number typed), is not taken.
        if is_number and (isinstance(value, int) or (value.is_integer() and abs(value) <= 2**53)):
            return int(value)
        said = "a whole number"
    elif isinstance(default, float):
        if is_number:
            return value
        said = "a number"
    else:
        return value
    raise InputError(f"-p {name}: must be {said} (its default is {parameter.default})")


def _not_finite(name: str) -> Callable[..., Any]:
    """A JSON hook that refuses NaN and the infinities (`1e999` reads as one)."""

    def refuse(text: str, value: float = math.nan) -> float:
        if not math.isfinite(value):
            raise InputError(f"-p {name}: {text} is not a value a run's record can hold")
        return value

    return refuse
