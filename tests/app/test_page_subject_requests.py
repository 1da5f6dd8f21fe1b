"""Subject requests page: deadlines, overdue and late requests, a person's data pack."""

from __future__ import annotations

import io
import re
import zipfile

from apphelpers import frame_with, metrics

from insight_workbench.loading.snapshot import Snapshot
from insight_workbench.policy import load_policy
from insight_workbench.subject_requests.pack import build_pack
from insight_workbench.subject_requests.request_table import request_deadlines

PAGE = "app_pages/subject_requests.py"


def test_metrics_are_the_library_figures(open_app, sample: Snapshot) -> None:
    app = open_app("dpo", PAGE)
    assert not app.exception
    assert not app.error
    frame = request_deadlines(sample, load_policy(), sample.manifest.exported_at)
    waiting = (frame["status"] == "open") & frame["finding"].isna() & ~frame["paused"]
    assert frame["paused"].any()  # the sample plants a request waiting for a clarification
    assert metrics(app) == {
        "Requests": str(len(frame)),
        "Open, within time": str(int(waiting.sum())),
        "Paused for clarification": str(int(frame["paused"].sum())),
        "Open and overdue": str(int((frame["finding"] == "SAR-001").sum())),
        "Answered late": str(int((frame["finding"] == "SAR-002").sum())),
    }
    shown = frame_with(app, "days_left", nth=0)
    assert list(shown["days_left"]) == sorted(frame.loc[waiting, "days_left"])
    late = frame_with(app, "days_late", nth=1)
    assert set(late["request_id"]) == set(frame.loc[frame["finding"].notna(), "request_id"])
    # the open ones, still to be answered, before those answered late; each latest first
    found = frame.set_index("request_id").loc[list(late["request_id"])]
    order = list(zip(found["finding"], -found["days_late"], strict=True))
    assert order == sorted(order)
    assert found["finding"].iloc[0] == "SAR-001"
    paused = frame_with(app, "clarification_requested_date", nth=1)  # after the open table
    assert list(paused["request_id"]) == list(frame.loc[frame["paused"], "request_id"])


def test_type_filter_changes_the_requests_shown(open_app) -> None:
    app = open_app("dpo", PAGE)
    everything = frame_with(app, "due_date", nth=2)
    app.multiselect(key="request_types").set_value(["erasure"]).run()
    erasures = frame_with(app, "due_date", nth=2)
    assert set(erasures["type"]) == {"erasure"}
    assert 0 < len(erasures) < len(everything)


def test_pack_for_a_requester_has_exactly_their_rows(open_app, sample) -> None:
    app = open_app("dpo", PAGE)
    person = app.selectbox(key="pack_user").options[1]
    app.selectbox(key="pack_user").select(person)
    app.form_submit_button[0].click().run()
    assert not app.exception
    assert not app.error
    expected = build_pack(sample, user_id=person)
    counts = frame_with(app, "table", "rows")
    assert dict(zip(counts["table"], counts["rows"], strict=True)) == expected.row_counts
    assert app.get("download_button")
    _key, built = app.session_state["sar_pack"]
    with zipfile.ZipFile(io.BytesIO(built.zip_bytes)) as archive:
        names = archive.namelist()
    assert any(n.endswith("README.txt") for n in names)
    assert any(n.endswith("users.csv") for n in names)


def test_a_pack_says_when_de_identified_datasets_still_name_the_person(open_app, sample) -> None:
    """The sample's case notes name a person by name, account and address: the page
    says so beside the download (the pack's README says which rows); of another, not."""
    assert build_pack(sample, user_id="U000252").named_in_datasets
    app = open_app("dpo", PAGE)
    app.radio(key="pack_by").set_value("user_id")
    app.text_input(key="pack_value").input("U000252")
    app.form_submit_button[0].click().run()
    assert not app.exception
    said = "2 de-identified datasets still name this person"  # case notes, newsletter
    assert any(said in w.value for w in app.warning)
    app.text_input(key="pack_value").input("U000019")  # in no dataset
    app.form_submit_button[0].click().run()
    assert not any("still name" in w.value for w in app.warning)


def test_pack_for_an_unknown_person_says_no_data_is_held(open_app, tmp_path) -> None:
    from insight_workbench.testing import build_snapshot

    clean = build_snapshot(tmp_path / "s", {})
    app = open_app("dpo", PAGE, env={"INSIGHT_SNAPSHOT": str(clean)})
    app.text_input(key="pack_value").input("nobody@nowhere.invalid")
    app.form_submit_button[0].click().run()
    assert not app.exception
    assert any("No data held" in i.value for i in app.info)


def test_pack_for_an_unknown_person_with_rows_unread_says_to_read_them(open_app) -> None:
    """The sample has quarantined rows: they may be this person's, so "no data held"
    would claim more than was read."""
    app = open_app("dpo", PAGE)
    app.text_input(key="pack_value").input("nobody@nowhere.invalid")
    app.form_submit_button[0].click().run()
    assert not app.exception
    assert not any("in this snapshot; the pack says so" in i.value for i in app.info)
    assert any("could not be read and may be theirs" in w.value for w in app.warning)


def test_the_deadline_explained_is_the_policy_s(open_app, tmp_path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(
        "[subject_requests]\nresponse_months = 2\nholidays = 'scotland'\n"
        "timezone = 'America/New_York'\n"
    )
    app = open_app("dpo", PAGE, env={"INSIGHT_POLICY": str(policy)})
    assert not app.exception
    explained = app.expander[0].markdown[0].value
    assert "Add 2 calendar months (3 when the period was extended)" in explained
    assert "a bank holiday in Scotland" in explained
    assert "the date in America/New_York of the as-of time" in explained
    assert "London" not in explained
    assert "England" not in explained


def test_deletion_evidence_is_shown_for_erasure_requests_only(open_app, tmp_path) -> None:
    """An access request's panel said "No deletion record yet: no recorded run holds its
    data", which reads as "its data is gone" while the person's rows are all held."""
    ledger = {"INSIGHT_LEDGER": str(tmp_path / "ledger.sqlite")}
    for key, shown in (("request:R0039", False), ("request:R0001", True)):
        app = open_app("dpo", PAGE, env=ledger, query={"key": key})
        assert not app.exception
        said = [m.value for m in app.markdown]
        assert ("**Deletion evidence**" in said) is shown, key


def test_a_pack_says_when_a_one_word_name_was_not_looked_for(open_app, tmp_path) -> None:
    """A person named in one word: the datasets were not searched for the name, and the
    page says so beside the download, as the pack's README does."""
    from insight_workbench.testing import build_snapshot

    users = [
        {
            "user_id": "U1",
            "org_id": "O1",
            "name": "Suharto",
            "email": "s@example.org",
            "role": "user",
            "created_at": "2025-01-01T00:00:00Z",
        }
    ]
    orgs = [
        {
            "org_id": "O1",
            "name": "Org 1",
            "product": "local_insight",
            "status": "active",
            "created_at": "2024-01-01T00:00:00Z",
        }
    ]
    folder = build_snapshot(
        tmp_path / "s",
        {"organisations": orgs, "users": users},
        deidentified={"survey": ([{"answer": "yes"}], None)},
    )
    app = open_app("dpo", PAGE, env={"INSIGHT_SNAPSHOT": str(folder)})
    app.radio(key="pack_by").set_value("user_id")
    app.text_input(key="pack_value").input("U1")
    app.form_submit_button[0].click().run()
    assert not app.exception
    assert any("name is a single word" in w.value for w in app.warning)


def test_a_typed_user_id_is_looked_for_as_typed_then_without_spaces(open_app, tmp_path) -> None:
    """`U1 ` and `U1` are two people; a pasted ` U2 ` still finds `U2`."""
    from insight_workbench.testing import build_snapshot

    users = [
        {
            "user_id": user_id,
            "org_id": "O1",
            "name": "A Person",
            "email": f"u{n}@example.org",
            "role": "user",
            "created_at": "2024-01-01T00:00:00Z",
        }
        for n, user_id in enumerate(("U1 ", "U1", "U2"))
    ]
    folder = build_snapshot(tmp_path / "s", {"users": users})
    app = open_app("dpo", PAGE, env={"INSIGHT_SNAPSHOT": str(folder)})
    app.radio(key="pack_by").set_value("user_id")
    for typed, found in (("U1 ", "u0@example.org"), ("U1", "u1@example.org"), (" U2 ", "u2")):
        app.text_input(key="pack_value").input(typed)
        app.form_submit_button[0].click().run()
        assert not app.exception
        _key, built = app.session_state["sar_pack"]
        assert built.found, typed
        with zipfile.ZipFile(io.BytesIO(built.zip_bytes)) as archive:
            users_csv = next(n for n in archive.namelist() if n.endswith("users.csv"))
            text = archive.read(users_csv).decode()
        assert found in text, typed
        assert text.count("@example.org") == 1, typed


def test_a_pack_s_file_name_holds_no_markup_path_or_control(open_app, tmp_path) -> None:
    """The download is named after the snapshot id, which is the export's text: as the
    other downloads' names, only letters, digits, `.`, `_` and `-` of it."""
    from insight_workbench.loading.manifest import write_manifest
    from insight_workbench.testing import build_snapshot
    from insight_workbench.timeutil import parse_timestamp

    user = {
        "user_id": "U1",
        "org_id": "O1",
        "name": "A Person",
        "email": "u1@example.org",
        "role": "user",
        "created_at": "2024-01-01T00:00:00Z",
    }
    folder = build_snapshot(tmp_path / "s", {"users": [user]})
    exported_at = parse_timestamp("2026-11-28T02:00:00Z")
    write_manifest(folder, exported_at, snapshot_id="<img src=x>/../\u202eexe.gpj")
    app = open_app("dpo", PAGE, env={"INSIGHT_SNAPSHOT": str(folder)})
    app.radio(key="pack_by").set_value("user_id")
    app.text_input(key="pack_value").input("U1")
    app.form_submit_button[0].click().run()
    assert not app.exception
    _key, built = app.session_state["sar_pack"]
    assert re.fullmatch(
        r"subject-access-pack-img_src_x_\.\._exe\.gpj-\d{8}T\d{6}Z\.zip", built.file_name
    )
