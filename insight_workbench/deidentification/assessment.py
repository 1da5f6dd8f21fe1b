"""De-identified datasets: how each one is judged, and what the DEID checks find.

Every dataset under `deidentified/` is read into per-cursor temporary tables
that the DEID rule SQL works on (`deid_layouts` keeps each dataset's layout), so
the checks are the same whether a rule, the De-identification page or the audit
notebook asks:

- `deid_cells(dataset, row_id, column_name, value, nested, keyed)`: one row per
  cell, the value trimmed and NULL when empty (empty values are ignored by every
  check); `nested` for a Parquet struct, map or list, held as JSON text (`keyed`:
  one holding a map, whose keys are data);
- `deid_leaves(dataset, row_id, column_name, value)`: the texts inside nested
  cells, which DEID-001 and DEID-002 test in place of the cell's JSON;
- `deid_columns(dataset, position, column_name, role)`: role `count`,
  `quasi_identifier` or `other`, from the sidecar or inferred as
  `docs/snapshot-format.md` says.

What leaves this module names datasets and columns and counts cells and rows;
it never carries a cell value (it may be personal data).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb

from insight_workbench.deidentification.text_functions import register_text_functions
from insight_workbench.emails import define_email_key
from insight_workbench.loading.context import SnapshotContext, snapshot_context
from insight_workbench.loading.raw_tables import free_name, quote_ident
from insight_workbench.loading.snapshot import DeidentifiedDataset, Snapshot
from insight_workbench.policy import Policy
from insight_workbench.sql import define, execute, query

if TYPE_CHECKING:  # pandas loads only when a frame is asked for: `check` starts faster
    import pandas as pd

# Column names that mark an integer column as a count (case-insensitive).
COUNT_NAME = re.compile(r"count|n|n_.*|.*_count|.*_users|users|total", re.IGNORECASE)
NUMBER = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"
WHOLE = r"[+-]?(\d+\.?0*|\.0+)"  # a whole number written out (`12`, `12.0`, `.0`)
CHECKS = ("DEID-001", "DEID-002", "DEID-003", "DEID-004")
CREDENTIALS = "SEC-001"  # a credential column in a dataset: released with it
JUDGED = (*CHECKS, CREDENTIALS)  # the verdicts of a dataset
DATASETS = "deidentified/"  # the folder, and the prefix of a dataset's table name
RELEASED_COLUMN = f"column:{DATASETS}"  # SEC-001's key of a dataset's credential column
# A dataset's verdicts, and how it was judged: the two parts of `verdicts_frame`.
VERDICT_COLUMNS = ["dataset", *JUDGED, "offending_columns", "credential_columns"]
JUDGING_COLUMNS = [
    "dataset",
    "rows",
    "kind",
    "judged_from",
    "count_columns",
    "quasi_identifiers",
    "smallest_class",
]


@dataclass(frozen=True)
class DatasetLayout:
    """How a dataset is judged: its kind and the role of its columns."""

    name: str
    file: str
    rows: int
    kind: str  # aggregate | microdata
    source: str  # sidecar | inferred
    columns: tuple[str, ...]
    numeric_columns: tuple[str, ...]
    count_columns: tuple[str, ...]
    quasi_identifiers: tuple[str, ...]


@dataclass(frozen=True)
class DatasetAssessment:
    """Every DEID check on one dataset. Offending columns are named, values never shown."""

    layout: DatasetLayout
    identifier_columns: dict[str, list[str]]  # DEID-001: column -> kinds of identifier
    hashed_columns: dict[str, list[str]]  # DEID-002: column -> "MD5 of email", ...
    class_sizes: dict[int, int]  # DEID-003: class size -> number of classes of that size
    small_cells: dict[str, int]  # DEID-004: count column -> cells from 1 to min_cell - 1
    k: int
    min_cell: int
    verdicts: dict[str, str] = field(default_factory=dict)  # code -> pass | fail | n/a

    @property
    def name(self) -> str:
        return self.layout.name

    @property
    def smallest_class(self) -> int | None:
        return min(self.class_sizes) if self.class_sizes else None

    @property
    def smallest_classes(self) -> list[int]:
        """Sizes of the five smallest equivalence classes (their values are masked)."""
        sizes = [size for size in sorted(self.class_sizes) for _ in range(self.class_sizes[size])]
        return sizes[:5]


def prepare(ctx: SnapshotContext) -> list[DatasetLayout]:
    """Fill `deid_cells` and `deid_columns` for this cursor; the layout of each dataset.
    Done once per cursor: the DEID rules of one run share it."""
    cursor = ctx.cursor
    if _prepared(cursor):
        rows = query(cursor, "deid_layouts.sql")
        return [_layout_from_json(row["layout"]) for row in rows]
    register_text_functions(cursor)
    define(cursor, "identifier_text.sql")
    define(cursor, "deid_definitions.sql")
    define_email_key(cursor)
    layouts = []
    for dataset in ctx.snapshot.deidentified:
        _load_cells(cursor, dataset)
        layout = _layout(dataset, _profile(cursor, dataset), _row_count(cursor, dataset))
        roles = [_role(layout, c) for c in layout.columns]
        execute(
            cursor,
            "deid_column_roles.sql",
            name=layout.name,
            columns=list(layout.columns),
            roles=roles,
        )
        layouts.append(layout)
    if any(dataset.nested for dataset in ctx.snapshot.deidentified):
        execute(cursor, "deid_leaves.sql")
    # Written last: its presence means the tables above are complete.
    execute(cursor, "deid_save_layouts.sql", layouts=[json.dumps(asdict(x)) for x in layouts])
    return layouts


def _prepared(cursor: duckdb.DuckDBPyConnection) -> bool:
    return bool(query(cursor, "deid_prepared.sql")[0]["prepared"])


def _layout_from_json(text: str) -> DatasetLayout:
    saved: dict[str, Any] = json.loads(text)
    for key, value in saved.items():
        if isinstance(value, list):
            saved[key] = tuple(value)
    return DatasetLayout(**saved)


def _load_cells(cursor: duckdb.DuckDBPyConnection, dataset: DeidentifiedDataset) -> None:
    if not dataset.columns:
        return
    row_id = free_name("__iw_row_id", dataset.columns)
    fragments = {
        "table": quote_ident(dataset.table),
        "columns": ", ".join(quote_ident(c) for c in dataset.columns),
        "row_id": quote_ident(row_id),
    }
    execute(
        cursor,
        "deid_load_cells.sql",
        fragments,
        name=dataset.name,
        nested=list(dataset.nested),
        keyed=list(dataset.keyed),
    )


def _profile(
    cursor: duckdb.DuckDBPyConnection, dataset: DeidentifiedDataset
) -> dict[str, tuple[bool, bool]]:
    """Column -> (numeric, integer): every non-empty value parses as a number / an integer,
    integer only for a column holding at least one value."""
    rows = query(cursor, "deid_profile.sql", name=dataset.name, number=NUMBER, whole=WHOLE)
    found = {
        str(row["column_name"]): (bool(row["is_numeric"]), bool(row["is_integer"])) for row in rows
    }
    # A column with no value at all is numeric: nothing in it fails to parse. It holds no
    # count either, so it is no count column (`_layout`): absent from `found`.
    return {c: found.get(c, (True, False)) for c in dataset.columns}


def _row_count(cursor: duckdb.DuckDBPyConnection, dataset: DeidentifiedDataset) -> int:
    rows = query(cursor, "row_count.sql", {"table": quote_ident(dataset.table)})
    return int(rows[0]["n"])


def _layout(
    dataset: DeidentifiedDataset, profile: dict[str, tuple[bool, bool]], rows: int
) -> DatasetLayout:
    columns = dataset.columns
    numeric = tuple(c for c in columns if profile[c][0])
    # Integer and named like a count, holding at least one count: a dataset whose count
    # columns are all empty shows no group sizes, so it is judged as microdata (k-anonymity).
    named_counts = tuple(c for c in columns if profile[c][1] and COUNT_NAME.fullmatch(c))
    non_numeric = tuple(c for c in columns if c not in numeric)
    meta = dataset.meta or {}  # its columns were checked when the snapshot loaded
    kind = meta.get("kind") or _kind_from_sidecar_lists(meta)
    source = "sidecar" if kind else "inferred"
    kind = kind or ("aggregate" if named_counts else "microdata")
    counts: tuple[str, ...] = ()
    quasi: tuple[str, ...] = ()
    if kind == "aggregate":
        counts = tuple(meta["count_columns"]) if "count_columns" in meta else named_counts
    else:
        quasi = tuple(meta["quasi_identifiers"]) if "quasi_identifiers" in meta else non_numeric
    return DatasetLayout(
        dataset.name, dataset.file, rows, kind, source, columns, numeric, counts, quasi
    )


def _kind_from_sidecar_lists(meta: dict[str, Any]) -> str | None:
    """A sidecar without `kind` that lists only count columns or only quasi-identifiers."""
    if meta.get("count_columns") and not meta.get("quasi_identifiers"):
        return "aggregate"
    if meta.get("quasi_identifiers") and not meta.get("count_columns"):
        return "microdata"
    return None


def _role(layout: DatasetLayout, column: str) -> str:
    if column in layout.count_columns:
        return "count"
    if column in layout.quasi_identifiers:
        return "quasi_identifier"
    return "other"


def identifier_columns(ctx: SnapshotContext) -> list[dict[str, Any]]:
    """DEID-001, after `prepare`: dataset, column_name, cells, kinds."""
    if not ctx.snapshot.deidentified:  # no cells: spare comparing every held value
        return []
    return ctx.query("deid_001_direct_identifier.sql")


def hashed_columns(ctx: SnapshotContext) -> list[dict[str, Any]]:
    """DEID-002, after `prepare`: dataset, column_name, cells, hashes."""
    return ctx.query("deid_002_unsalted_hash.sql")


def class_size_counts(ctx: SnapshotContext) -> list[dict[str, Any]]:
    """DEID-003, after `prepare`: per microdata dataset, size and number of classes."""
    return ctx.query("deid_003_small_equivalence_class.sql")


def small_cells(ctx: SnapshotContext) -> list[dict[str, Any]]:
    """DEID-004, after `prepare`: dataset, column_name, cells below the minimum cell size."""
    return ctx.query(
        "deid_004_small_cell.sql", min_cell=ctx.policy.deidentification.min_cell, number=NUMBER
    )


def assess(ctx: SnapshotContext) -> list[DatasetAssessment]:
    """Every DEID check on every dataset of the snapshot."""
    layouts = prepare(ctx)
    found_ids = _by_column(identifier_columns(ctx), "kinds")
    found_hashes = _by_column(hashed_columns(ctx), "hashes")
    sizes: dict[str, dict[int, int]] = {}
    for row in class_size_counts(ctx):
        sizes.setdefault(row["dataset"], {})[int(row["size"])] = int(row["classes"])
    cells: dict[str, dict[str, int]] = {}
    for row in small_cells(ctx):
        cells.setdefault(row["dataset"], {})[row["column_name"]] = int(row["cells"])
    policy = ctx.policy.deidentification
    assessments = []
    for layout in layouts:
        assessment = DatasetAssessment(
            layout,
            found_ids.get(layout.name, {}),
            found_hashes.get(layout.name, {}),
            sizes.get(layout.name, {}),
            cells.get(layout.name, {}),
            policy.k,
            policy.min_cell,
        )
        assessment.verdicts.update(_verdicts(assessment))
        assessments.append(assessment)
    return assessments


def _by_column(rows: list[dict[str, Any]], what: str) -> dict[str, dict[str, list[str]]]:
    found: dict[str, dict[str, list[str]]] = {}
    for row in rows:
        found.setdefault(row["dataset"], {})[row["column_name"]] = list(row[what])
    return found


def _verdicts(a: DatasetAssessment) -> dict[str, str]:
    microdata = a.layout.kind == "microdata"
    small_class = any(size < a.k for size in a.class_sizes)
    return {
        "DEID-001": "fail" if a.identifier_columns else "pass",
        "DEID-002": "fail" if a.hashed_columns else "pass",
        "DEID-003": ("fail" if small_class else "pass") if microdata else "n/a",
        "DEID-004": "n/a" if microdata else ("fail" if a.small_cells else "pass"),
    }


def assess_datasets(
    snapshot: Snapshot, policy: Policy, as_of: datetime | None = None
) -> list[DatasetAssessment]:
    """Every DEID check on every dataset of `snapshot`, for the page and the notebook."""
    with snapshot_context(snapshot, policy, as_of) as ctx:
        return assess(ctx)


def credentials_in_datasets(credential_columns: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """The credential columns (SEC-001) of each dataset, by dataset name, from the
    snapshot's `credential_columns` (table, column); the platform's tables left out."""
    held: dict[str, list[str]] = {}
    for table, column in credential_columns:
        if table.startswith(DATASETS):
            held.setdefault(table.removeprefix(DATASETS), []).append(column)
    return held


def verdicts_frame(
    assessments: list[DatasetAssessment], credential_columns: Iterable[tuple[str, str]]
) -> pd.DataFrame:
    """One row per dataset: kind, columns by role, verdict per check, offending columns.
    SEC-001 is judged beside the DEID checks, from the snapshot's `credential_columns`
    (table, column; required, so that no caller judges it on nothing): a dataset holding
    a credential column is not fit to release, whatever the DEID checks say."""
    import pandas as pd

    held = credentials_in_datasets(credential_columns)
    rows = []
    for a in assessments:
        offending = sorted({*a.identifier_columns, *a.hashed_columns, *a.small_cells})
        credentials = held.get(a.name, [])
        rows.append(
            {
                "dataset": a.name,
                "file": a.layout.file,
                "rows": a.layout.rows,
                "kind": a.layout.kind,
                "judged_from": a.layout.source,
                "count_columns": ", ".join(a.layout.count_columns),
                "quasi_identifiers": ", ".join(a.layout.quasi_identifiers),
                "smallest_class": a.smallest_class,
                **a.verdicts,
                CREDENTIALS: "fail" if credentials else "pass",
                "offending_columns": ", ".join(offending),
                "credential_columns": ", ".join(credentials),
            }
        )
    columns = ["dataset", "file", *JUDGING_COLUMNS[1:], *VERDICT_COLUMNS[1:]]
    return pd.DataFrame(rows, columns=columns)


def class_sizes_frame(assessments: list[DatasetAssessment]) -> pd.DataFrame:
    """Equivalence-class sizes of the microdata datasets: dataset, class_size, classes,
    rows, below_k. The classes' values are never included."""
    import pandas as pd

    rows = [
        {
            "dataset": a.name,
            "class_size": size,
            "classes": count,
            "rows": size * count,
            "below_k": size < a.k,
        }
        for a in assessments
        for size, count in sorted(a.class_sizes.items())
    ]
    return pd.DataFrame(rows, columns=["dataset", "class_size", "classes", "rows", "below_k"])
