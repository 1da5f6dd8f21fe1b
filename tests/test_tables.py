"""The app's one table presenter: labels, dates, whole days, badges, order, download."""

from __future__ import annotations

import csv
import io
from datetime import date

import numpy as np
import pandas as pd

from insight_workbench.dashboard import tables


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rule": ["RET-001", "SAR-001"],
            "message": ["=HYPERLINK(1)", "fine"],
            "severity": ["high", None],
            "key": ["org:O1", "request:R2"],
            "due": ["2026-01-05T12:00:00Z", "2026-02-01"],
            "days_overdue": [91.6, None],
            "sent_at": pd.to_datetime(["2026-07-01T10:00:00Z", None], utc=True),
            "nominal_date": ["2026-02-31", "2026-03-01"],
            "period_start": pd.to_datetime(["2026-01-01", "2026-02-01"]),
        }
    )


def _type(prepared: tables.Prepared, column: str) -> str | None:
    return (prepared.config[column].get("type_config") or {}).get("type")


def test_labels_are_words_not_snake_case() -> None:
    prepared = tables.prepare(_frame())
    labels = {name: entry["label"] for name, entry in prepared.config.items()}
    assert labels["days_overdue"] == "Days overdue"
    assert labels["sent_at"] == "Sent at"
    assert tables.label("org_id") == "Organisation ID"
    assert tables.label("DEID-001") == "DEID-001"
    assert all("_" not in text for text in labels.values())


def test_key_then_status_columns_come_first() -> None:
    order = tables.prepare(_frame()).column_order
    assert order[:4] == ["key", "severity", "rule", "rule_name"]
    assert set(order) == {*_frame().columns, "rule_name"}


def test_every_timestamp_is_shown_in_london_time_and_dates_as_dates() -> None:
    prepared = tables.prepare(_frame())
    assert _type(prepared, "sent_at") == "datetime"
    assert prepared.config["sent_at"]["type_config"]["timezone"] == "Europe/London"
    assert str(prepared.display["sent_at"].dt.tz) == "Europe/London"
    # 10:00 UTC in July is 11:00 in London.
    assert prepared.display["sent_at"][0].hour == 11
    # A request's due day beside an organisation's due instant stays a day, never a
    # midnight that reads as a time it falls due at; the instant is in London time.
    assert prepared.display["due"].tolist() == ["2026-01-05 12:00", "2026-02-01"]
    assert prepared.config["due"]["help"] == tables.DAYS_AND_TIMES
    assert prepared.export["due"].tolist() == ["2026-01-05T12:00:00Z", "2026-02-01"]
    summer = tables.prepare(pd.DataFrame({"due": ["2026-07-01T10:00:00Z", "2026-07-02"]}))
    assert summer.display["due"].tolist() == ["2026-07-01 11:00", "2026-07-02"]
    assert _type(prepared, "period_start") == "date"
    assert prepared.display["period_start"].tolist() == [date(2026, 1, 1), date(2026, 2, 1)]
    assert _type(prepared, "nominal_date") is None  # 31 February is no date: kept as text


def test_days_are_whole_and_blanks_stay_blank() -> None:
    prepared = tables.prepare(_frame())
    assert prepared.display["days_overdue"].tolist()[0] == 91
    assert pd.isna(prepared.display["days_overdue"].tolist()[1])
    assert prepared.config["days_overdue"]["type_config"]["format"] == "%d"


def test_shares_are_shown_as_percentages_and_exported_as_fractions() -> None:
    frame = pd.DataFrame(
        {
            "share_of_logins": [0.432, None],
            "dormant_share": ["0.05", "[c]"],  # numbers beside a suppression marker
            "logins": [432, 7],
        }
    )
    prepared = tables.prepare(frame)
    assert prepared.display["share_of_logins"].tolist()[0] == 43.2
    assert prepared.config["share_of_logins"]["type_config"]["format"] == "%.1f%%"
    assert prepared.display["dormant_share"].tolist() == ["5.0%", "[c]"]
    assert prepared.display["logins"].tolist() == [432, 7]  # a count is no fraction
    rows = list(csv.DictReader(io.StringIO(tables.csv_of(prepared).decode("utf-8-sig"))))
    assert [r["share_of_logins"] for r in rows] == ["0.432", ""]
    assert [r["dormant_share"] for r in rows] == ["0.05", "[c]"]


def test_a_finding_an_exception_covers_has_a_badge_of_its_own() -> None:
    covered = "TPP-001 excepted until 2027-03-31"
    assert tables.badge_colour(covered) == tables.BLUE
    assert tables.badge_colour("TPP-002 review overdue") == tables.ORANGE


def test_status_and_severity_are_badges_with_their_words() -> None:
    prepared = tables.prepare(_frame())
    assert _type(prepared, "severity") == "multiselect"
    options = {
        o["value"]: o["color"] for o in prepared.config["severity"]["type_config"]["options"]
    }
    assert options == {"high": tables.RED}
    assert prepared.display["severity"][0] == "high"  # the word itself, not a colour only


def test_height_shows_every_row_up_to_a_tall_box() -> None:
    assert tables.height(3) < tables.height(12) <= tables.MAX_PX
    assert tables.height(12) >= 12 * tables.ROW_PX
    assert tables.height(10_000) == tables.MAX_PX


def test_download_is_formula_safe_and_keeps_utc() -> None:
    text = tables.csv_of(tables.prepare(_frame())).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["message"] == "'=HYPERLINK(1)"
    assert rows[0]["sent_at"] == "2026-07-01T10:00:00Z"
    assert rows[1]["sent_at"] == ""
    assert rows[0]["days_overdue"] == "91"
    assert rows[0]["period_start"] == "2026-01-01"
    assert rows[0]["due"] == "2026-01-05T12:00:00Z"


def test_a_download_names_the_records_it_holds_and_no_values() -> None:
    from insight_workbench.dashboard.tables import export_keys

    frame = pd.DataFrame(
        {
            "key": ["org:O1", "ip:203.0.113.9", None],
            "org_id": ["O1", "O2", None],
            "user_id": ["U7", None, "U8"],
            "email": ["someone@example.org", "x@example.org", "y@example.org"],
        }
    )
    assert export_keys(frame) == ["org:O1", "org:O2", "user:U7", "user:U8"]


def test_a_download_of_bursts_names_their_accounts_and_never_an_address() -> None:
    from insight_workbench.dashboard.tables import export_keys

    bursts = pd.DataFrame(
        {"kind": ["account", "ip", "account"], "subject": ["U3", "203.0.113.9", "U4"]}
    )
    assert export_keys(bursts) == ["user:U3", "user:U4"]


def test_a_rule_column_has_the_rules_names_beside_it_and_what_they_check() -> None:
    prepared = tables.prepare(_frame())
    at = prepared.column_order.index("rule")
    assert prepared.column_order[at + 1] == "rule_name"
    assert list(prepared.display["rule_name"]) == ["Closed account", "Overdue open"]
    assert prepared.config["rule_name"]["label"] == "Rule name"
    tooltip = prepared.config["rule"]["help"]
    assert tooltip.startswith("RET-001 Closed account: Organisations with a closed_at")
    assert "SAR-001 Overdue open: Subject requests with status open" in tooltip
    assert "rule_name" not in prepared.export.columns  # the download keeps the codes


def test_a_column_of_other_words_named_rule_is_left_alone() -> None:
    prepared = tables.prepare(pd.DataFrame({"rule": ["keep", "RET-001"]}))
    assert "rule_name" not in prepared.display.columns
    assert prepared.config["rule"].get("help") is None


def test_a_finding_column_and_a_column_named_by_a_code_are_in_words() -> None:
    frame = pd.DataFrame({"finding": ["SAR-002", None], "DEID-003": ["fail", "pass"]})
    prepared = tables.prepare(frame)
    assert list(prepared.display["finding_name"]) == ["Answered late", "—"]
    assert prepared.config["DEID-003"]["label"] == "DEID-003 Small equivalence class"
    assert "k-anonymity" in prepared.config["DEID-003"]["help"]


def test_a_download_names_a_record_whose_id_holds_a_line_break() -> None:
    """Left out of the export's keys, it could never be found by its key in the audit
    log; the trail logs it escaped (see `audit_trail.loggable_key`)."""
    from insight_workbench.dashboard.tables import export_keys
    from insight_workbench.ledger.audit_trail import loggable_key

    frame = pd.DataFrame({"processor_id": ["P9\n99", "P1"]})
    assert export_keys(frame) == ["processor:P1", "processor:P9\n99"]
    assert loggable_key("processor:P9\n99") == "processor:P9\\n99"


def test_a_rule_s_name_writes_its_acronyms_as_acronyms() -> None:
    """`ACC-004` read "Ip failed login burst"."""
    from insight_workbench.dashboard import rule_words

    assert rule_words.title("ACC-004") == "IP failed login burst"
    assert rule_words.title("RET-003") == "Erasure not done"


def test_a_column_is_as_wide_as_its_longest_text_within_bounds() -> None:
    assert tables.text_width(["P001", "Processor ID"]) < tables.text_width(["x" * 40])
    assert tables.text_width(["x"]) == tables.MIN_COLUMN_PX
    assert tables.text_width(["x" * 1000]) == tables.MAX_COLUMN_PX
    cells = pd.Series(["in order", "TPP-001 excepted until 2027-03-31, TPP-002 review overdue"])
    prepared = tables.prepare(pd.DataFrame({"status": cells}))
    assert prepared.config["status"]["width"] >= tables.CHAR_PX * len(cells[1])  # never cut


def test_a_heading_in_words_is_never_cut() -> None:
    prepared = tables.prepare(pd.DataFrame({"dataset": ["a"], "DEID-001": ["pass"]}))
    heading = prepared.config["DEID-001"]["label"]
    assert heading == "DEID-001 Direct identifier"
    assert prepared.config["DEID-001"]["width"] >= tables.CHAR_PX * len(heading)


def test_labels_are_the_same_words_in_the_app_the_reports_and_the_charts() -> None:
    from insight_workbench import charts
    from insight_workbench.reports import tables as report_tables

    for name in ("org_id", "ip_addresses", "os_family_share", "rows_held"):
        assert charts._words(pd.DataFrame(columns=[name]))[name] == report_tables.label(name)
    assert tables.label("org_name") == report_tables.label("org_name") == "Organisation name"


def test_a_download_of_audit_entries_names_the_records_they_name() -> None:
    entries = pd.DataFrame(
        {
            "entry": [2, 1],
            "action": ["page_view", "pack_build"],
            "keys": ["page:retention, org:O1, org:O2", "user:U3, request:R4"],
        }
    )
    named = ["org:O1", "org:O2", "page:retention", "request:R4", "user:U3"]
    assert tables.export_keys(entries) == named


def test_controls_and_bidi_overrides_in_text_show_as_their_escapes() -> None:
    """`\\u202e` would turn `gpj.exe` round in the cell; a line break would hide what
    follows. The page shows them as the command line does; the download keeps the value.
    A Persian name's zero-width non-joiner joins letters, and a right-to-left mark is
    typed on purpose: both are kept, as in the app's other text."""
    frame = pd.DataFrame(
        {
            "name": ["Acme\u202egpj.exe", "Acme\nLtd\x1b[2J", "\u0645\u06cc\u200c\u0631\u200f"],
            "rows": [1, 2, 3],
        }
    )
    prepared = tables.prepare(frame)
    assert list(prepared.display["name"]) == [
        "Acme\\u202egpj.exe",
        "Acme\\nLtd\\x1b[2J",
        "\u0645\u06cc\u200c\u0631\u200f",
    ]
    exported = list(csv.reader(io.StringIO(tables.csv_of(prepared).decode("utf-8-sig"))))
    assert [row[0] for row in exported[1:]] == list(frame["name"])


def test_a_snapshot_id_in_a_download_s_name_keeps_only_plain_characters() -> None:
    assert tables.file_name_part("sample-seed7") == "sample-seed7"
    assert tables.file_name_part("<img src=x>/../\u202eevil") == "img_src_x_.._evil"
    assert tables.file_name_part("...") == "snapshot"
    assert len(tables.file_name_part("x" * 500)) == 80


def test_a_link_shows_its_id_or_key_and_an_override_as_its_escape() -> None:
    """Streamlit shows a link column's text from the address, decoded: an id holding a
    bidi override gets its escaped form after `#`, which the column shows instead."""
    import re
    from urllib.parse import unquote

    plain = "retention?key=org:O1&as_of=2026-11-28"
    assert tables.shown_in_link(plain, "O1") == plain
    assert re.search(tables.ID_SHOWN, plain).group(1) == "O1"  # type: ignore[union-attr]
    assert re.search(tables.KEY_SHOWN, plain).group(1) == "org:O1"  # type: ignore[union-attr]
    odd = tables.shown_in_link("retention?key=org:O%E2%80%AE1", "org:O\u202e1")
    assert unquote(re.search(tables.KEY_SHOWN, odd).group(1)) == "org:O\\u202e1"  # type: ignore[union-attr]
    assert tables.shown_in_link("", "O\u202e1") == ""  # no record: no link


def test_a_column_is_judged_on_all_its_values_whatever_its_first() -> None:
    """A column is told from its first value only when that value rules it out; a
    missing first value decides nothing, in object and in Arrow string columns."""
    columns = {
        "sent_at": [None, "2026-07-01T10:00:00Z", None],
        "due": [None, "2026-07-01T10:00:00Z", "2026-07-02"],
        "note": ["2026-07-01T10:00:00Z", "not a time", None],
        "name": ["Acme", "Acme\u202egpj.exe", None],
    }
    for dtype in (object, "string[pyarrow]"):
        frame = pd.DataFrame({name: pd.Series(v, dtype=dtype) for name, v in columns.items()})
        prepared = tables.prepare(frame)
        assert _type(prepared, "sent_at") == "datetime", dtype
        assert prepared.display["sent_at"][1].hour == 11  # London summer time
        assert prepared.display["due"].tolist()[1:] == ["2026-07-01 11:00", "2026-07-02"]
        assert _type(prepared, "note") is None  # text, kept as written
        assert prepared.display["note"][1] == "not a time"
        assert prepared.display["name"][1] == "Acme\\u202egpj.exe"  # found past the first
        assert prepared.config["name"]["width"] >= tables.text_width(["Acme\\u202egpj.exe"])
    for blank in (np.datetime64("NaT"), np.float32("nan"), None):  # as `dropna` reads them
        late = pd.Series([blank, "2026-07-01T10:00:00Z"], dtype=object)
        assert _type(tables.prepare(pd.DataFrame({"sent_at": late})), "sent_at") == "datetime"
    midnight_first = pd.to_datetime(["2026-07-01", "2026-07-01T10:00"], utc=True, format="ISO8601")
    prepared = tables.prepare(pd.DataFrame({"sent_at": midnight_first}))
    assert _type(prepared, "sent_at") == "datetime"  # an instant past a midnight first value
