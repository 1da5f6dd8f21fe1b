"""De-identification page: verdict per check, offending columns named, values never shown."""

from __future__ import annotations

import os

from apphelpers import as_read, frame_with, metrics, plotly_specs, rendered_text

from insight_workbench.dashboard import rule_words
from insight_workbench.deidentification.assessment import CHECKS, assess_datasets
from insight_workbench.findings import Finding
from insight_workbench.ledger.database import open_ledger
from insight_workbench.ledger.runs import record_run
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules.runner import run_check

PAGE = "app_pages/deidentification.py"


def test_verdicts_are_the_library_figures(open_app, sample: Snapshot) -> None:
    app = open_app("dpo", PAGE)
    assert not app.exception
    assert not app.error
    found = assess_datasets(sample, load_policy())
    # A dataset released with a credential column (a SEC-001 finding) fails too.
    findings = run_check(sample, load_policy(), sample.manifest.exported_at).findings
    released = [
        tuple(f.key.removeprefix("column:deidentified/").rsplit(":", 1))
        for f in findings
        if f.rule == "SEC-001" and f.key.startswith("column:deidentified/")
    ]
    credentials = {name for name, _ in released}
    assert credentials  # the sample plants one
    failing = sum(
        any(a.verdicts[c] == "fail" for c in CHECKS) or a.name in credentials for a in found
    )
    assert metrics(app) == {
        "Datasets": str(len(found)),
        "Failing at least one check": str(failing),
        "Passing every check": str(len(found) - failing),
    }
    verdicts = frame_with(app, "DEID-001").set_index("dataset")
    for a in found:
        assert {c: verdicts.loc[a.name, c] for c in CHECKS} == a.verdicts
        assert verdicts.loc[a.name, "SEC-001"] == ("fail" if a.name in credentials else "pass")
    offending = frame_with(app, "check", "why")
    expected = {
        (a.name, c, check)
        for a in found
        for check, columns in [
            ("DEID-001", a.identifier_columns),
            ("DEID-002", a.hashed_columns),
            ("DEID-004", a.small_cells),
            # a dataset whose small classes re-identify: the columns they share
            ("DEID-003", a.layout.quasi_identifiers if a.verdicts["DEID-003"] == "fail" else ()),
        ]
        for c in columns
    } | {(name, column, "SEC-001") for name, column in released}  # named, as the others are
    assert any(check == "DEID-003" for _, _, check in expected)  # the sample plants one
    shown = zip(offending["dataset"], offending["column"], offending["check"], strict=True)
    assert set(shown) == expected
    # A rule code never stands alone: each check's name is beside it.
    named = dict(zip(offending["check"], offending["check_name"], strict=True))
    assert named == {code: rule_words.title(code) for code in named}


def test_offending_values_are_never_shown(open_app, sample: Snapshot) -> None:
    app = open_app("dpo", PAGE)
    text = rendered_text(app)
    cursor = sample.cursor()
    try:
        for a in assess_datasets(sample, load_policy()):
            table = next(d.table for d in sample.deidentified if d.name == a.name)
            for column in {*a.identifier_columns, *a.hashed_columns}:
                values = cursor.execute(
                    f'SELECT DISTINCT trim("{column}") FROM "{table}" '
                    f'WHERE length(trim("{column}")) > 3'
                ).fetchall()
                shown = [v for (v,) in values if v in text]
                assert shown == [], f"{a.name}.{column}: {len(shown)} values shown"
    finally:
        cursor.close()


def test_choosing_a_dataset_changes_the_class_chart(open_app) -> None:
    app = open_app("dpo", PAGE)
    picker = app.selectbox(key="class_dataset")
    assert len(picker.options) >= 2
    charts = []
    for name in picker.options[:2]:
        app.selectbox(key="class_dataset").select(name).run()
        assert not app.exception
        spec = next(iter(plotly_specs(app).values()))
        charts.append(spec)
        assert name in spec
    assert charts[0] != charts[1]


def test_the_chosen_dataset_is_in_the_address_and_read_back(open_app) -> None:
    app = open_app("dpo", PAGE)
    first, second = app.selectbox(key="class_dataset").options[:2]
    assert app.selectbox(key="class_dataset").value == first
    assert "dataset" not in app.query_params  # the first one is the default
    app.selectbox(key="class_dataset").select(second).run()
    assert app.query_params["dataset"] == second
    reopened = open_app("dpo", PAGE, query={"dataset": second})
    assert reopened.selectbox(key="class_dataset").value == second
    assert second in next(iter(plotly_specs(reopened).values()))
    ignored = open_app("dpo", PAGE, query={"dataset": "no_such_dataset"})
    assert not ignored.exception
    assert ignored.selectbox(key="class_dataset").value == first


def test_a_dataset_key_opens_its_own_class_sizes(open_app) -> None:
    last = open_app("dpo", PAGE).selectbox(key="class_dataset").options[-1]
    app = open_app("dpo", PAGE, query={"key": f"dataset:{last}"})
    assert not app.exception
    assert not app.error
    assert app.selectbox(key="class_dataset").value == last
    assert last in next(iter(plotly_specs(app).values()))


def test_a_dataset_s_panel_keeps_its_columns_findings_resolved_since(
    open_app, sample: Snapshot, tmp_path
) -> None:
    """A column's finding that a recorded run had and the open snapshot no longer has
    (resolved since) stays on its dataset's panel, with any exception still in force:
    the panel looked in the ledger for the dataset's own key alone."""
    earlier = run_check(sample, load_policy())
    gone = Finding("DEID-002", "dataset:newsletter_engagement:old_ref", "high", "hashed", None)
    earlier.findings.append(gone)
    for other in ("dataset:Newsletter_Engagement:a", "dataset:newsletter_engagement_2:a"):
        earlier.findings.append(Finding("DEID-002", other, "high", "hashed", None))
    ledger = str(tmp_path / "ledger.sqlite")
    record_run(open_ledger(ledger), earlier, source="cli", by="dpo@example.org")
    app = open_app(
        "dpo",
        PAGE,
        env={"INSIGHT_LEDGER": ledger},
        query={"key": "dataset:newsletter_engagement"},
    )
    assert not app.exception
    labels = [as_read(e.label) for e in app.expander]
    assert f"DEID-002 {gone.key}: history and decisions" in labels
    named = {label.split(" ")[1].removesuffix(":") for label in labels}
    # not another dataset's: one named alike but for case (SQLite's LIKE ignores case),
    # or one whose name only starts the same
    assert all(k.startswith("dataset:newsletter_engagement:") for k in named), named


def test_files_no_check_judges_are_named(open_app, sample_path, tmp_path) -> None:
    """A release as a spreadsheet passed the page without a word; its name is the
    export's, shown as text."""
    import shutil

    copy = tmp_path / "sample"
    shutil.copytree(sample_path, copy)
    (copy / "deidentified" / "regions_*bold*.xlsx").write_bytes(b"PK")
    # a name not in UTF-8 (Latin-1's é): the warning could not be written, the page failed
    (copy / "deidentified").joinpath(os.fsdecode(b"r\xe9gions.xlsx")).write_bytes(b"PK")
    app = open_app("dpo", PAGE, env={"INSIGHT_SNAPSHOT": str(copy)})
    assert not app.exception
    [warning] = [w.value for w in app.warning if w.value.startswith("Not judged")]
    assert "deidentified/regions\\_\\*bold\\*.xlsx" in warning
    assert "deidentified/r\\\\udce9gions.xlsx" in warning
    assert frame_with(app, "dataset", "DEID-001") is not None  # the page goes on


def test_a_dataset_failing_only_sec_001_names_its_credential_column(open_app, tmp_path) -> None:
    """A release whose only fault is a credential column fails, and the offending
    columns say which: the page used to say that no column offends."""
    from insight_workbench.testing import build_snapshot

    rows = [{"month": "2026-01", "region": "North", "n": "40", "api_token": "t"}]
    folder = build_snapshot(tmp_path / "s", deidentified={"keys": (rows, None)})
    app = open_app("dpo", PAGE, env={"INSIGHT_SNAPSHOT": str(folder)})
    assert not app.exception
    assert metrics(app)["Failing at least one check"] == "1"
    offending = frame_with(app, "check", "why")
    assert offending[["dataset", "column", "check"]].values.tolist() == [
        ["keys", "api_token", "SEC-001"]
    ]
    assert not [s for s in app.success if "No column holds" in s.value]


def test_each_offending_column_shows_its_finding_s_owner(
    open_app, ledger_setting: str, sample: Snapshot
) -> None:
    """An offending column shows the owner of its own finding: a column's DEID-001, a
    dataset's DEID-003 (on each column its small classes share) and a released
    credential's SEC-001."""
    from insight_workbench.ledger.decisions import Request, decide

    result = run_check(sample, load_policy())
    ledger = open_ledger(ledger_setting)
    record_run(ledger, result, source="cli")
    first = {}
    for finding in result.findings:
        if finding.rule != "SEC-001" or finding.key.startswith("column:deidentified/"):
            first.setdefault(finding.rule, finding.key)
    for rule in ("DEID-001", "DEID-003", "SEC-001"):
        decide(ledger, rule, first[rule], Request("assign", owner=f"Team {rule}"))
    app = open_app("dpo", PAGE, env={"INSIGHT_LEDGER": ledger_setting})
    assert not app.exception
    offending = frame_with(app, "check", "why", "owner").dropna(subset=["owner"])
    dataset_of_003 = first["DEID-003"].removeprefix("dataset:")
    expected = {
        ("DEID-001", first["DEID-001"]),
        ("SEC-001", first["SEC-001"]),
        *(("DEID-003", f"dataset:{dataset_of_003}"),),
    }
    shown = set()
    for check, name, column in zip(
        offending["check"], offending["dataset"], offending["column"], strict=True
    ):
        key = {
            "DEID-003": f"dataset:{name}",
            "SEC-001": f"column:deidentified/{name}:{column}",
        }.get(check, f"dataset:{name}:{column}")
        shown.add((check, key))
    assert shown == expected
    assert set(offending["owner"]) == {"Team DEID-001", "Team DEID-003", "Team SEC-001"}
    # every quasi-identifier column of the DEID-003 dataset carries its owner
    of_003 = offending[offending["check"] == "DEID-003"]
    assert len(of_003) > 1
    assert set(of_003["dataset"]) == {dataset_of_003}


def test_a_dataset_s_record_holds_its_own_findings_and_no_alike_named_one_s(
    open_app, tmp_path, ledger_setting: str
) -> None:
    """`dataset:rel` is not `dataset:rel:2026`: its record lists its own findings only,
    while `rel:2026`'s lists its SEC-001 finding (a credential column released in it),
    whose own record names the column as a credential that was not loaded."""
    from insight_workbench.testing import build_snapshot

    people = [{"region": "North", "contact": f"p{i}@example.org"} for i in range(12)]
    folder = build_snapshot(
        tmp_path / "s",
        deidentified={
            "rel": (people, None),
            "rel:2026": ([{**row, "api_token": "t"} for row in people], None),
        },
    )
    from insight_workbench.loading.snapshot import load_snapshot

    checked = run_check(load_snapshot(folder), load_policy())
    record_run(open_ledger(ledger_setting), checked, source="cli")
    env = {"INSIGHT_SNAPSHOT": str(folder), "INSIGHT_LEDGER": ledger_setting}

    def record(key: str) -> list[str]:
        app = open_app("dpo", PAGE, env=env, query={"key": key})
        assert not app.exception
        found = sorted(frame_with(app, "rule", "key", "evidence")["key"])
        # the ledger's histories, too: the same findings, none of the other dataset
        histories = sorted(as_read(e.label).split(" ")[1].removesuffix(":") for e in app.expander)
        assert histories == found
        return found

    assert record("dataset:rel") == ["dataset:rel", "dataset:rel:contact"]
    assert record("dataset:rel:2026") == [
        "column:deidentified/rel:2026:api_token",
        "dataset:rel:2026",
        "dataset:rel:2026:contact",
    ]
    app = open_app("dpo", PAGE, env=env, query={"key": "column:deidentified/rel:2026:api_token"})
    facts = frame_with(app, "column", "role", "fails")
    assert facts[["dataset", "column", "role", "fails"]].values.tolist() == [
        ["rel:2026", "api_token", "credential (not loaded)", "SEC-001"]
    ]


def test_a_dataset_whose_header_row_is_data_is_named_not_shown(open_app, tmp_path) -> None:
    """A release without its header row: its first row's values were the page's column
    names (and a credential column's). It is named by file and column position."""
    from insight_workbench.testing import build_snapshot

    rows = [{"month": "2026-01", "region": "North", "n": "40"}]
    folder = build_snapshot(tmp_path / "s", deidentified={"agg": (rows, None)})
    (folder / "deidentified" / "people.csv").write_text(
        "Alice Secretname,alice@example.org,1990\nBob Hiddenname,bob@example.org,1985\n",
        encoding="utf-8",
    )
    app = open_app("dpo", PAGE, env={"INSIGHT_SNAPSHOT": str(folder)})
    assert not app.exception
    [warning] = [
        w.value for w in app.warning if w.value.startswith("Not loaded, its rows not judged")
    ]
    assert "deidentified/people.csv" in warning
    assert "column 2" in warning
    text = rendered_text(app)
    for value in ("Alice", "Secretname", "alice@", "1990", "Bob", "bob@"):
        assert value not in text, value
    assert metrics(app)["Datasets"] == "1"  # agg, judged as before
