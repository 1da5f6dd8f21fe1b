"""The app's address: a key opens its record on the page that owns it, a page not offered
to the role says so, a bad parameter is a message with the navigation kept, and the
view's state (as_of, filters) lives in the query string."""

from __future__ import annotations

import csv
import io
from urllib.parse import unquote

import pandas as pd
import pytest
from apphelpers import as_read, frame_with, linked_keys, metrics, plotly_specs

from insight_workbench.dashboard import records, rule_words
from insight_workbench.dashboard.records import NOTHING_ABOUT_IT, findings_csv
from insight_workbench.dashboard.retention import action_csv, people_held
from insight_workbench.deadlines.retention_table import retention_status
from insight_workbench.findings import Finding
from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.policy import load_policy
from insight_workbench.rules import FAMILIES, REGISTRY
from insight_workbench.rules.runner import run_check
from insight_workbench.testing import build_snapshot

pytestmark = pytest.mark.slow  # started first: see tests/conftest.py

USAGE = "app_pages/usage.py"
PAGE_OF_KEY = "app_pages/retention.py"  # where an org: key opens
# The page that opens a finding's key, by the kind of key (docs/app.md): a new rule
# whose keys are of a known kind needs nothing here. A `user:` key is Retention's for
# data left behind (RET-004), Access monitoring's otherwise.
OWNER_OF_KIND = {
    "org": "Retention",
    "request": "Subject requests",
    "message": "Communications and third parties",
    "processor": "Communications and third parties",
    "login": "Access monitoring",
    "ip": "Access monitoring",
    "view": "Access monitoring",
    "dataset": "De-identification",
    "row": "Overview",
}
# Every rule with a finding in the sample; SEC-001's `column:` keys are tested below.
OPENED = sorted(code for code in REGISTRY if code != "SEC-001")


def owner(rule: str, key: str) -> str:
    kind = key.split(":", 1)[0]
    if kind == "user":
        return "Retention" if rule == "RET-004" else "Access monitoring"
    assert kind in OWNER_OF_KIND, (
        f"{rule} has keys of a new kind, '{kind}:': name the page that owns them in "
        "OWNER_OF_KIND (and route them in dashboard/records.py)"
    )
    return OWNER_OF_KIND[kind]


@pytest.fixture(scope="module")
def findings(sample: Snapshot) -> list[Finding]:
    return run_check(sample, load_policy()).findings


def first_key(findings: list[Finding], rule: str, startswith: str = "") -> str:
    return next(f.key for f in findings if f.rule == rule and f.key.startswith(startswith))


def navigation_kept(app) -> bool:
    """The run declared the role's pages (not the single message page of a refusal)."""
    return len(app._registered_pages) > 1


def test_every_rule_of_the_registry_has_an_owning_page(findings) -> None:
    assert {code.split("-")[0] for code in OPENED} | {"SEC"} == set(FAMILIES)
    for rule in OPENED:
        assert owner(rule, first_key(findings, rule))


@pytest.mark.parametrize("rule", OPENED)
def test_a_key_given_on_the_wrong_page_opens_its_record_on_the_owning_page(
    open_app, findings, rule
) -> None:
    key = first_key(findings, rule)
    app = open_app("dpo", first_page=USAGE, query={"key": key})
    assert not app.exception
    assert not app.error
    assert app.title[0].value == owner(rule, key)
    assert f"Record {key}" in [as_read(s.value) for s in app.subheader]
    shown = frame_with(app, "rule", "rule_name", "severity")
    assert rule in set(shown["rule"])
    assert set(shown["rule_name"]) >= {rule_words.title(rule)}
    assert app.query_params["key"] == key


@pytest.mark.parametrize(
    ("startswith", "title"),
    [("column:deidentified/", "De-identification"), ("column:users:", "Overview")],
)
def test_a_credential_column_opens_where_its_file_is(open_app, findings, startswith, title):
    key = first_key(findings, "SEC-001", startswith)
    app = open_app("dpo", first_page=USAGE, query={"key": key})
    assert not app.exception
    assert app.title[0].value == title
    assert "SEC-001" in set(frame_with(app, "rule", "rule_name")["rule"])


def test_an_org_key_filters_retention_to_that_organisation(open_app, findings) -> None:
    key = first_key(findings, "RET-001")
    app = open_app("dpo", "app_pages/retention.py", query={"key": key})
    facts = frame_with(app, "org_id", "rows_held")
    assert list(facts["org_id"]) == [key.removeprefix("org:")]
    assert metrics(app)["Organisations judged"] == "1"


def test_an_organisation_without_a_finding_lists_its_users_and_says_so(open_app, sample) -> None:
    """An active organisation (no RET finding): the panel says it lists its rows below,
    never that the page lists nothing under the key, and the users held follow."""
    cursor = sample.cursor()
    try:
        found = cursor.execute(
            "SELECT o.org_id FROM organisations o JOIN users u USING (org_id) "
            "WHERE o.status = 'active' ORDER BY o.org_id LIMIT 1"
        ).fetchone()
    finally:
        cursor.close()
    assert found is not None
    app = open_app("dpo", "app_pages/retention.py", query={"key": f"org:{found[0]}"})
    assert not app.exception
    assert not [w for w in app.warning if "lists nothing under it" in w.value]
    assert "No finding for this record. This page lists its rows below." in [
        s.value for s in app.success
    ]
    [held] = [m.value for m in app.markdown if m.value.startswith("**Users whose data is held:")]
    assert held != "**Users whose data is held: 0**"


def test_a_request_key_offers_that_persons_pack_by_ids_only(open_app, findings) -> None:
    key = first_key(findings, "RET-003")
    app = open_app("dpo", "app_pages/subject_requests.py", query={"key": key})
    facts = frame_with(app, "request_id", "user_id")
    assert list(facts["request_id"]) == [key.removeprefix("request:")]
    user_id = facts["user_id"].iloc[0]
    whose = [c.value for c in app.caption if c.value.startswith("The pack of user")]
    assert whose == [f"The pack of user {user_id} for request {key.removeprefix('request:')}."]
    app.button(key="record_pack_build").click().run()
    assert not app.exception
    assert app.get("download_button")


def test_the_pack_button_shows_a_planted_user_id_as_text(open_app, tmp_path) -> None:
    """A button's label is Markdown: a user id holding a Markdown image made the browser
    fetch it when the pack was offered."""
    from planted_markup import build_planted, listener

    from insight_workbench.markdown_text import escape_markdown

    with listener() as (port, hits):
        snapshot = build_planted(tmp_path / "planted", port)
        env = {"INSIGHT_SNAPSHOT": str(snapshot)}
        found = open_app("dpo", "app_pages/retention.py", env=env)
        requests = frame_with(found, "request_id", "user_id")
        request, user_id = requests.iloc[0]["request_id"], requests.iloc[0]["user_id"]
        query = {"key": f"request:{request}"}
        app = open_app("dpo", "app_pages/subject_requests.py", env=env, query=query)
        app.button(key="record_pack_build").click().run()
        buttons = app.get("download_button")
        [offered] = [b for b in buttons if b.proto.label.startswith("Download the pack")]
        assert offered.proto.label == f"Download the pack of user {escape_markdown(user_id)} (zip)"
        assert "![x](http" not in offered.proto.label
        assert hits == []


@pytest.mark.parametrize(
    ("page", "key", "snapshot_wide"),
    [
        ("app_pages/communications.py", "message:M0", "Every opt-out took effect at once."),
        ("app_pages/communications.py", "processor:P999", "The processors register is empty."),
        (
            "app_pages/retention.py",
            "org:NO-SUCH-ORG",
            "No closed, demo or trial organisation in this snapshot.",
        ),
        (
            "app_pages/deidentification.py",
            "dataset:nonexistent",
            "This snapshot has no datasets under deidentified/.",
        ),
        ("app_pages/access.py", "ip:192.0.2.254", "No account or IP reached the burst threshold."),
    ],
)
def test_a_section_narrowed_to_a_key_says_nothing_of_the_whole_snapshot(
    open_app, page, key, snapshot_wide
) -> None:
    """The sample has messages after opt-outs, processors, closed organisations,
    datasets and bursts: a section narrowed to nothing must not say otherwise."""
    app = open_app("dpo", page, query={"key": key})
    said = [m.value for m in [*app.info, *app.success]]
    assert snapshot_wide not in said
    assert NOTHING_ABOUT_IT in said


def test_a_key_s_own_page_keeps_its_other_sections_to_that_record(open_app, findings) -> None:
    key = first_key(findings, "SAR-001")  # overdue: not among those waiting in time
    app = open_app("dpo", "app_pages/subject_requests.py", query={"key": key})
    said = [m.value for m in [*app.info, *app.success]]
    assert "No open request is waiting within its time limit." not in said
    assert NOTHING_ABOUT_IT in said


def test_an_unknown_key_of_a_known_kind_says_nothing_has_it(open_app) -> None:
    app = open_app("dpo", first_page=USAGE, query={"key": "org:NO-SUCH-ORG"})
    assert app.title[0].value == "Retention"
    said = "No finding names this key at this as-of time, and this page lists nothing under it"
    assert any(said in w.value for w in app.warning)
    # The warning says it: no empty grid of findings beside it.
    assert [m.value for m in app.markdown if m.value == "**Findings**"] == []
    assert "record_findings" not in [d.key for d in app.dataframe]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"as_of": "last tuesday"}, "The date in the address (as_of) is not a date"),
        ({"as_of": "2026-02-30"}, "The date in the address (as_of) is not a date"),
        ({"as_of": "9999-12-31"}, "The date in the address (as_of) is outside years 1 to 9998"),
        ({"as_of": "1" * 5000}, "The date in the address (as_of) is not a date"),
        (
            {"as_of": "9999-12-31T00:00:01Z"},
            "The date in the address (as_of) is outside years 1 to 9998",
        ),
        (
            {"as_of": "2026-02-28T23:59:59.9990001Z"},
            "The time in the address (as_of) is finer than a microsecond",
        ),
        ({"key": "O17"}, "is not of the form kind:id"),
        ({"key": "planet:Mars"}, "of an unknown kind 'planet'"),
        ({"key": "row:users:first"}, "A row key in the address is row:TABLE:N"),
        ({"key": "row:users:\u00b2"}, "A row key in the address is row:TABLE:N"),
        ({"key": "row:users:\u0661\u0662"}, "A row key in the address is row:TABLE:N"),
        ({"snapshot": "2026-10"}, "no snapshots folder is configured"),
    ],
)
def test_a_bad_parameter_is_a_message_on_a_normal_page(open_app, query, message) -> None:
    app = open_app("dpo", query=query)
    assert not app.exception
    assert [message in as_read(e.value) for e in app.error] == [True]
    assert "--as-of" not in app.error[0].value
    assert app.title[0].value == "Overview"
    assert navigation_kept(app)
    assert not app.metric  # the message, not the page


def test_an_analyst_opens_on_the_overview(open_app) -> None:
    app = open_app("analyst")
    assert not app.exception
    assert app.title[0].value == "Overview"


@pytest.mark.parametrize(
    ("page", "query"),
    [("app_pages/retention.py", {}), (USAGE, {"key": "org:O0008"})],
)
def test_a_dpo_page_answers_an_analyst_not_available(open_app, page, query) -> None:
    app = open_app("analyst", first_page=page, query=query)
    assert not app.exception
    assert app.title[0].value == "Not available in your role"
    assert "The Retention page is not available in your role" in app.warning[0].value
    assert not app.dataframe
    assert not app.metric
    assert navigation_kept(app)


def test_retention_lists_erasures_not_done_and_data_left_behind(open_app, findings) -> None:
    app = open_app("dpo", "app_pages/retention.py")
    people = frame_with(app, "request_id", "user_id", "rows_held")
    wanted = {f.key for f in findings if f.rule in ("RET-003", "RET-004")}
    assert {f.split(":")[0] for f in wanted} == {"request", "user"}
    assert set(linked_keys(people["key"])) == wanted
    assert all(link.startswith(("subject_requests?", "retention?")) for link in people["key"])


@pytest.mark.parametrize(("org", "requests"), [("O5", {"R1"}), ("O1", set())])
def test_an_org_key_keeps_its_users_erasures_left_undone(
    open_app, deletion_paths, org: str, requests: set[str]
) -> None:
    """R1, an erasure marked done while U5 of O5 is still held, is O5's business: the
    people section listed nothing under an `org:` key. Another organisation's page does
    not list it."""
    env = {"INSIGHT_SNAPSHOT": str(deletion_paths["2026-10"])}
    app = open_app("dpo", "app_pages/retention.py", env=env, query={"key": f"org:{org}"})
    assert not app.exception
    try:
        people = frame_with(app, "request_id", "user_id", "rows_held")
    except LookupError:
        people = pd.DataFrame({"request_id": [], "user_id": []})
    assert set(people["request_id"]) == requests
    assert set(people["user_id"]) == {"U5"} if requests else people.empty


def test_the_retention_csv_holds_every_retention_finding(sample: Snapshot, findings) -> None:
    at = sample.manifest.exported_at
    policy = load_policy()
    text = action_csv(retention_status(sample, policy, at), people_held(sample, policy, at)).decode(
        "utf-8-sig"
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    expected = {(f.rule, f.key) for f in findings if f.rule.startswith("RET")}
    assert {(r["rule"], r["key"]) for r in rows} == expected
    for row in rows:
        if row["rule"] == "RET-003":
            assert row["request_id"]
            assert row["user_id"]
        if row["rule"] == "RET-004":
            assert row["user_id"] == row["key"].removeprefix("user:")
            assert int(row["rows_held"]) > 0


def test_an_empty_as_of_or_snapshot_is_absent_and_the_link_says_what_it_meant(
    open_app,
) -> None:
    app = open_app("dpo", query={"as_of": "", "snapshot": ""})
    assert not app.exception
    link = app.sidebar.code[0].value
    assert "as_of=2026-11-28T02:00:00Z" in link  # the sample's export time
    assert "snapshot=" not in link


def test_the_analyst_s_link_opens_the_same_view(open_app) -> None:
    """The link wrote the instant an analyst counts to (the end of the export's day), and
    opening it counted to the end of the next day: other figures, another date."""
    first = open_app("analyst", "app_pages/usage.py")
    assert not first.exception
    [as_of] = [
        part.removeprefix("as_of=")
        for part in first.sidebar.code[0].value.split("?")[1].split("&")
        if part.startswith("as_of=")
    ]
    again = open_app("analyst", "app_pages/usage.py", query={"as_of": unquote(as_of)})
    assert not again.exception
    assert again.sidebar.date_input[0].value == first.sidebar.date_input[0].value
    assert [m.value for m in again.metric] == [m.value for m in first.metric]


def test_as_of_from_the_address_is_kept_and_in_the_link(open_app) -> None:
    app = open_app("dpo", query={"as_of": "2027-06-01"})
    assert not app.exception
    assert app.sidebar.date_input[0].value.isoformat() == "2027-06-01"
    assert "as of 2027-06-01 00:00 UTC" in app.sidebar.caption[-1].value
    link = app.sidebar.code[0].value
    assert "as_of=2027-06-01" in link
    app.query_params.clear()  # as a move to another page in the menu does
    app.switch_page("app_pages/retention.py").run()
    assert app.query_params["as_of"] == "2027-06-01"
    assert "as of 2027-06-01 00:00 UTC" in app.sidebar.caption[-1].value


@pytest.mark.parametrize("typed", ["2027-06-01T12:00:00+01:00", "2027-06-01T12:00:00 01:00"])
def test_an_offset_s_plus_typed_into_the_address_is_read_as_plus(open_app, typed) -> None:
    """A query string decodes `+` as a space: `as_of=...12:00:00+01:00` typed by hand
    arrives as `...12:00:00 01:00`, and means the same instant (11:00 UTC)."""
    app = open_app("dpo", query={"as_of": typed})
    assert not app.exception
    assert not app.error
    assert "as of 2027-06-01 11:00 UTC" in app.sidebar.caption[-1].value
    assert "as_of=2027-06-01T12:00:00%2B01:00" in app.sidebar.code[0].value  # its `+` kept


def test_a_filter_is_written_to_the_address_and_read_back(open_app) -> None:
    app = open_app("dpo", "app_pages/retention.py")
    app.multiselect(key="retention_states").set_value(["overdue"]).run()
    assert app.query_params["show"] == "overdue"
    assert "show=overdue" in app.sidebar.code[0].value
    again = open_app("dpo", first_page="app_pages/retention.py", query={"show": "upcoming"})
    assert again.multiselect(key="retention_states").value == ["upcoming"]
    assert set(frame_with(again, "state", "rows_held")["state"]) <= {"upcoming"}


@pytest.mark.parametrize(
    ("given", "chosen"),
    [
        (["<img src=x>"], None),  # no choice at all: as if not given
        (["junk", "upcoming"], ["upcoming"]),  # the choices among them
        ([""], []),  # `show=`: none chosen
    ],
)
def test_a_filter_value_that_is_no_choice_is_ignored(open_app, given, chosen) -> None:
    """A link with a mistyped state showed no organisation at all, as `show=` does."""
    default = open_app("dpo", "app_pages/retention.py").multiselect(key="retention_states")
    app = open_app("dpo", first_page="app_pages/retention.py", query={"show": given})
    assert not app.exception
    shown = app.multiselect(key="retention_states").value
    assert shown == (default.value if chosen is None else chosen)


@pytest.mark.parametrize("as_of", ["1800-01-01", "9998-12-31T00:00:00Z"])
def test_an_as_of_far_away_opens_or_says_why(open_app, as_of) -> None:
    app = open_app("dpo", query={"as_of": as_of})
    assert not app.exception
    assert app.title[0].value == "Overview"


@pytest.mark.parametrize("page", ["app_pages/overview.py", "app_pages/usage.py"])
def test_an_as_of_in_year_1_opens_and_keeps_four_digit_years(open_app, page) -> None:
    """Usage's cohorts and windows reach back before year 1 from there: they stop at it."""
    app = open_app("dpo", page, query={"as_of": "0001-01-01"})
    assert not app.exception
    assert [e.value for e in app.error] == []
    assert "as of 0001-01-01 00:00 UTC" in app.sidebar.caption[0].value


def test_the_overview_csv_holds_every_finding_with_its_rule_name(open_app, findings) -> None:
    app = open_app("dpo", "app_pages/overview.py")
    assert any(b.proto.label == "Download every finding (CSV)" for b in app.get("download_button"))
    frame = pd.DataFrame([{"rule": f.rule, "key": f.key, "severity": f.severity} for f in findings])
    rows = list(csv.DictReader(io.StringIO(findings_csv(frame).decode("utf-8-sig"))))
    assert {(r["rule"], r["key"]) for r in rows} == {(f.rule, f.key) for f in findings}
    assert {r["rule"].split("-")[0] for r in rows} == set(FAMILIES)
    assert {r["name"] for r in rows if r["rule"] == "RET-004"} == {"Orphaned personal data"}


def _shown_ids(app, column: str) -> set[str]:
    """The ids of `column` in every table the page shows (the record panel's included)."""
    frames = [frame_with(app, column, nth=n) for n in range(_count_with(app, column))]
    return {str(v) for frame in frames for v in frame[column]}


def _count_with(app, column: str) -> int:
    return sum(column in d.value.columns for d in app.dataframe)


@pytest.mark.parametrize(
    ("rule", "page", "other_ids"),
    [
        # people's data still held (the organisation's own users are its record's facts)
        ("RET-001", "app_pages/retention.py", "request_id"),
        ("RET-004", "app_pages/retention.py", "org_id"),  # organisations
        ("TPP-001", "app_pages/communications.py", "message_id"),  # messages, reviews
        ("COM-001", "app_pages/communications.py", "processor_id"),
        ("ACC-001", "app_pages/access.py", "view_id"),  # bursts, user-list views
        ("ACC-005", "app_pages/access.py", "login_id"),
    ],
)
def test_a_key_leaves_no_section_about_records_of_another_kind(
    open_app, findings, rule, page, other_ids
) -> None:
    """Every section of the owning page is narrowed to the record: the records of
    other kinds leave it, and their empty sections say so, not what holds of all."""
    key = first_key(findings, rule)
    app = open_app("dpo", page, query={"key": key})
    assert not app.exception
    assert app.title[0].value == owner(rule, key)
    assert _shown_ids(app, other_ids) == set()
    said = [m.value for m in [*app.info, *app.success]]
    assert NOTHING_ABOUT_IT in said


def test_an_organisation_s_key_counts_that_organisation_alone(open_app, findings) -> None:
    app = open_app("dpo", "app_pages/retention.py", query={"key": first_key(findings, "RET-001")})
    assert metrics(app)["Organisations judged"] == "1"
    people = first_key(findings, "RET-004")
    app = open_app("dpo", "app_pages/retention.py", query={"key": people})
    assert metrics(app)["Organisations judged"] == "0"
    said = [m.value for m in [*app.info, *app.success]]
    assert "No personal data is held for these organisations." not in said
    assert "No organisation in the chosen states." not in said


def test_a_processor_s_key_keeps_only_its_own_review_due(open_app, findings) -> None:
    """The reviews due within 90 days are narrowed too: far from any review, the page
    does not say that no processor review falls due."""
    key = first_key(findings, "TPP-002")
    app = open_app("dpo", "app_pages/communications.py", query={"key": key, "as_of": "2020-01-01"})
    said = [m.value for m in [*app.info, *app.success]]
    assert "No processor review falls due in the next 90 days." not in said
    assert _shown_ids(app, "processor_id") <= {key.removeprefix("processor:")}


def test_an_overview_key_narrows_its_lists_to_that_finding(open_app, findings) -> None:
    key = first_key(findings, "DQ-001")
    app = open_app("dpo", query={"key": key, "as_of": "2020-01-01"})
    said = [m.value for m in [*app.info, *app.success]]
    assert not [s for s in said if s.startswith("Nothing falls due in the next")]
    assert "Nothing is overdue." not in said
    assert NOTHING_ABOUT_IT in said
    # The record panel's findings come first, the page's "All findings" last.
    every = frame_with(app, "message", "key", nth=_count_with(app, "message") - 1)
    assert set(linked_keys(every["key"])) == {key}


def test_a_microdata_chart_is_not_drawn_for_an_aggregate_dataset_s_key(open_app, findings) -> None:
    aggregate = first_key(findings, "DEID-004").rsplit(":", 1)[0]
    app = open_app("dpo", "app_pages/deidentification.py", query={"key": aggregate})
    assert "class_chart" not in plotly_specs(app)
    assert _shown_ids(app, "dataset") == {aggregate.removeprefix("dataset:")}


def test_a_dataset_column_key_shows_that_column_or_says_it_names_nothing(
    open_app, findings
) -> None:
    """A column the dataset has: its row (role, failed checks). A column it does not
    have is not a clean bill of health for the dataset: it names nothing."""
    column_key = first_key(findings, "DEID-001")
    app = open_app("dpo", "app_pages/deidentification.py", query={"key": column_key})
    facts = next(d.value for d in app.dataframe if "role" in d.value.columns)
    dataset, column = column_key.removeprefix("dataset:").split(":", 1)
    assert facts[["dataset", "column"]].values.tolist() == [[dataset, column]]
    assert "DEID-001" in facts["fails"].iloc[0]
    missing = f"dataset:{dataset}:no_such_column"
    app = open_app("dpo", "app_pages/deidentification.py", query={"key": missing})
    assert not app.success
    assert any("No finding names this key" in w.value for w in app.warning)


def test_a_dataset_whose_name_holds_a_colon_is_found_by_its_keys(open_app, tmp_path) -> None:
    """`dataset:a:b` is the dataset `a:b` when the snapshot has one (it was read as the
    column `b` of a dataset `a`, and the page listed nothing), and `dataset:a:b:contact`
    its column `contact`."""
    rows = [{"postcode": "AB1", "contact": "x@example.org"}] * 3
    snapshot = build_snapshot(
        tmp_path / "s", deidentified={"a:b": (rows, None), "a": (rows, None), "ab": (rows, None)}
    )
    env = {"INSIGHT_SNAPSHOT": str(snapshot)}
    page = "app_pages/deidentification.py"
    app = open_app("dpo", page, env=env, query={"key": "dataset:a:b"})
    assert _shown_ids(app, "dataset") == {"a:b"}
    app = open_app("dpo", page, env=env, query={"key": "dataset:a:b:contact"})
    facts = next(d.value for d in app.dataframe if "role" in d.value.columns)
    assert facts[["dataset", "column"]].values.tolist() == [["a:b", "contact"]]
    assert _shown_ids(app, "dataset") == {"a:b"}
    app = open_app("dpo", page, env=env, query={"key": "dataset:a:contact"})
    assert _shown_ids(app, "dataset") == {"a"}


@pytest.mark.parametrize(
    ("key", "heading", "named"),
    [
        ("org:O0002\u200b", "Record org:O0002\\u200b", "U+200B ZERO WIDTH SPACE"),
        (
            "org:\u202e2000O\u202c",
            "Record org:\\u202e2000O\\u202c",
            "U+202E RIGHT-TO-LEFT OVERRIDE",
        ),
        ("request:R0013\u2060", "Record request:R0013\\u2060", "U+2060 WORD JOINER"),
        ("org:O\x1b[31m2", "Record org:O\\u001b[31m2", "U+001B a control character"),
    ],
)
def test_a_key_that_would_pass_for_another_shows_what_it_holds(
    open_app, key, heading, named
) -> None:
    """O0002 with an invisible character after it read "Record org:O0002", then "no
    finding": an assurance about the real, overdue O0002. It names nothing, so its
    heading shows the character's code and the message names it."""
    app = open_app("dpo", PAGE_OF_KEY, query={"key": key})
    assert not app.exception
    headings = [as_read(h.value) for h in app.subheader if h.value.startswith("Record")]
    assert headings == [heading]
    warning = next(w.value for w in app.warning if "No finding names this key" in w.value)
    assert named in warning


def test_a_long_key_is_cut_in_the_heading(open_app) -> None:
    app = open_app("dpo", PAGE_OF_KEY, query={"key": "org:" + "A" * 20_000})
    assert not app.exception
    [heading] = [as_read(h.value) for h in app.subheader if h.value.startswith("Record")]
    assert heading == "Record org:" + "A" * 196 + "…"


def test_an_unknown_id_with_look_alike_letters_says_which(open_app) -> None:
    app = open_app("dpo", PAGE_OF_KEY, query={"key": "org:\u041e0002"})  # Cyrillic О
    assert not app.exception
    warning = next(w.value for w in app.warning if "No finding names this key" in w.value)
    assert "U+041E CYRILLIC CAPITAL LETTER O" in warning
    plain = open_app("dpo", PAGE_OF_KEY, query={"key": "org:NO-SUCH-ORG"})
    assert not [w for w in plain.warning if "outside ASCII" in w.value]


@pytest.mark.parametrize("key", ["dataset:churn_reasons:", "dataset::email", "column:users:"])
def test_a_key_with_an_empty_part_is_a_bad_parameter(open_app, key) -> None:
    app = open_app("dpo", query={"key": key})
    assert not app.exception
    assert len(app.error) == 1
    assert "key in the address is" in app.error[0].value


def test_an_account_s_key_with_late_logins_is_not_said_to_name_nothing(
    open_app, findings, sample: Snapshot
) -> None:
    """Access monitoring keeps an account's late logins under its `user:` key: the panel
    must not say the page lists nothing under it."""
    login = first_key(findings, "ACC-001").removeprefix("login:")
    cursor = sample.cursor()
    try:
        (user,) = cursor.execute(
            "SELECT user_id FROM logins WHERE login_id = ?", [login]
        ).fetchone()
    finally:
        cursor.close()
    app = open_app("dpo", "app_pages/access.py", query={"key": f"user:{user}"})
    assert not app.exception
    assert not [w for w in app.warning if "No finding names this key" in w.value]
    assert login in _shown_ids(app, "login_id")


def test_a_real_key_keeps_its_zero_width_joiners_in_the_heading() -> None:
    """A Persian column name holds zero-width non-joiners: its key is shown as it is."""
    key = "dataset:extract:\u0627\u06cc\u0645\u06cc\u0644\u200c\u06a9\u0627\u0631\u0628\u0631"
    assert records.key_as_shown(key, names_nothing=False) == key
    assert "\\u200c" in records.key_as_shown(key, names_nothing=True)


def test_an_id_with_spaces_at_its_ends_opens_its_record(open_app, tmp_path) -> None:
    """Ids are kept as written: `org:O2 ` is what `check` and the page's own links name.
    The same id without its space names nothing, and a real id with one added says so."""
    from clock_snapshot import _org, _user

    orgs = [_org(org_id, "closed", closed_at="2025-06-01T00:00:00Z") for org_id in ("O2 ", "O3")]
    users = [_user(f"U{i}", org_id) for i, org_id in enumerate(("O2 ", "O3"))]
    snapshot = build_snapshot(tmp_path / "s", {"organisations": orgs, "users": users})
    env = {"INSIGHT_SNAPSHOT": str(snapshot)}
    app = open_app("dpo", PAGE_OF_KEY, env=env, query={"key": "org:O2 "})
    assert not app.exception
    assert not [w for w in app.warning if "No finding names this key" in w.value]
    assert (
        "RET-001"
        in next(d.value for d in app.dataframe if "rule" in d.value.columns)["rule"].values
    )
    for key, spaced in (("org:O2", False), ("org:O3 ", True)):
        app = open_app("dpo", PAGE_OF_KEY, env=env, query={"key": key})
        warning = next(w.value for w in app.warning if "No finding names this key" in w.value)
        assert ("begins or ends with white space" in warning) is spaced


RECORDS_WITHOUT_FINDINGS = [
    # kind, page, table, id column, the facts' column holding the id
    ("message", "app_pages/communications.py", "communications", "message_id"),
    ("login", "app_pages/access.py", "logins", "login_id"),
    ("view", "app_pages/access.py", "admin_views", "view_id"),
    ("ip", "app_pages/access.py", "logins", "ip"),
]


@pytest.mark.parametrize(("kind", "page", "table", "column"), RECORDS_WITHOUT_FINDINGS)
def test_a_record_no_rule_names_opens_with_its_own_facts(
    open_app, findings, sample: Snapshot, kind: str, page: str, table: str, column: str
) -> None:
    """A message, login, view or IP address of the snapshot that no finding names opens
    with its own row, not with "check the link": it is there, and found clean. An id the
    snapshot lacks still names nothing."""
    flagged = {f.key.removeprefix(f"{kind}:") for f in findings if f.key.startswith(f"{kind}:")}
    cursor = sample.cursor()
    try:
        ids = [
            row[0] for row in cursor.execute(f"SELECT DISTINCT {column} FROM {table}").fetchall()
        ]
    finally:
        cursor.close()
    ident = sorted(set(ids) - flagged)[0]
    app = open_app("dpo", page, query={"key": f"{kind}:{ident}"})
    assert not app.exception
    assert not [w for w in app.warning if "No finding names this key" in w.value]
    facts = next(d.value for d in app.dataframe if column in d.value.columns)
    assert list(facts[column]) == [ident]
    assert "No finding for this record." in [s.value for s in app.success]
    missing = open_app("dpo", page, query={"key": f"{kind}:NO-SUCH-{kind.upper()}"})
    assert any("No finding names this key" in w.value for w in missing.warning)
