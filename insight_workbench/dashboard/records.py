"""Every key is a link: which page owns a record, and the record's detail panel.

`?key=org:O8` opens the owning page filtered to that record, with a panel showing the
record, its findings (rule code and the rule's name from the registry) and, once the
ledger exists, its history and decisions. Keys in tables become relative links.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence

import pandas as pd
import streamlit as st
from streamlit.elements.lib.column_types import ColumnConfig

from insight_workbench.csvsafe import csv_bytes
from insight_workbench.dashboard import address, audit, rule_words, session, tables
from insight_workbench.dashboard import subject_requests as sar
from insight_workbench.dashboard.address import RecordKey
from insight_workbench.dashboard.deletion_record import render_deletion_record
from insight_workbench.dashboard.finding_history import render_finding_history
from insight_workbench.dashboard.navigation import url_paths
from insight_workbench.dashboard.session import Workbench
from insight_workbench.deidentification import assessment as deid
from insight_workbench.errors import InputError
from insight_workbench.findings import Finding, plural
from insight_workbench.ledger.database import ledger_written, open_ledger
from insight_workbench.ledger.decisions import standing_decisions
from insight_workbench.ledger.lifecycle import finding_lifecycle
from insight_workbench.ledger.tables import held_key
from insight_workbench.markdown_text import escape_markdown, markdown_code
from insight_workbench.terminal import printable

RETENTION = "app_pages/retention.py"
REQUESTS = "app_pages/subject_requests.py"
DEID = "app_pages/deidentification.py"
ACCESS = "app_pages/access.py"
COMMUNICATIONS = "app_pages/communications.py"
OVERVIEW = "app_pages/overview.py"
# The page that owns each kind of key; `user:` and `column:` depend on the record.
OWNERS = {
    "org": RETENTION,
    "request": REQUESTS,
    "message": COMMUNICATIONS,
    "processor": COMMUNICATIONS,
    "dataset": DEID,
    "login": ACCESS,
    "ip": ACCESS,
    "view": ACCESS,
    "row": OVERVIEW,
}
PACK = "record_pack"
Source = tuple[pd.DataFrame, str]  # a page's table and its column holding the record id
LINK_HELP = "Opens the page that owns this record, filtered to it."
NOTHING_ABOUT_IT = "Nothing in this section is about the record the address names."


rule_title = rule_words.title


def findings(wb: Workbench) -> list[Finding]:
    """Every finding of the snapshot at `as_of`. DPO only."""
    return session.dpo_findings(wb)


def owner(wb: Workbench, key: RecordKey, left_behind: frozenset[str] | None = None) -> str:
    """The page path that owns `key`. A `user:` key is Retention's when data was left
    behind for it (RET-004; pass `left_behind_keys(wb)` when asking for many keys), else
    Access monitoring's (failed-login bursts)."""
    if key.prefix == "user":
        if left_behind is None:
            left_behind = left_behind_keys(wb)
        return RETENTION if key.text in left_behind else ACCESS
    if key.prefix == "column":  # SEC-001: a de-identified file's column, else a table's
        return DEID if key.ident.startswith("deidentified/") else OVERVIEW
    return OWNERS[key.prefix]


def left_behind_keys(wb: Workbench) -> frozenset[str]:
    """The `user:` keys of RET-004's findings (data left behind); none for an analyst."""
    if not wb.is_dpo:
        return frozenset()
    return frozenset(f.key for f in findings(wb) if f.rule == "RET-004")


def named() -> RecordKey | None:
    """The record the address's key names; None without a key, or with a key the router
    has already said is wrong."""
    try:
        return address.record_key()
    except InputError:
        return None


def selected(prefix: str) -> str | None:
    """The record the address's key names when it is of kind `prefix`: `O8` for `org:O8`;
    a dataset's name for `dataset:NAME` and `dataset:NAME:COLUMN`, and for
    `column:deidentified/NAME:COLUMN`."""
    key = named()
    if key is None or key.prefix != prefix:
        return None
    if prefix in ("dataset", "column"):
        found = dataset_column(key)
        return key.ident if found is None else found[0]
    return key.ident


_DATASET_NAMES = "record_dataset_names"


def know_datasets(names: Iterable[str]) -> None:
    """The snapshot's dataset names, for the page that reads `dataset:` and `column:`
    keys: a file name may hold `:` itself (`dataset:a:b` is the dataset `a:b` when the
    snapshot has one, else the column `b` of `a`)."""
    st.session_state[_DATASET_NAMES] = sorted(set(names), key=len, reverse=True)


def dataset_column(key: RecordKey) -> tuple[str, str] | None:
    """The dataset and column a `dataset:NAME:COLUMN` or `column:deidentified/NAME:COLUMN`
    key names; None for any other key (a `dataset:NAME` names no column). A known
    dataset's name (`know_datasets`), the longest that fits, is read whole."""
    if key.prefix == "column" and key.ident.startswith("deidentified/"):
        rest, last = key.ident.removeprefix("deidentified/"), True
    elif key.prefix == "dataset":
        rest, last = key.ident, False
    else:
        return None
    names: list[str] = st.session_state.get(_DATASET_NAMES, [])
    if key.prefix == "dataset" and rest in names:
        return None
    for name in names:  # longest first
        if rest.startswith(name + ":"):
            return name, rest[len(name) + 1 :]
    name, colon, column = rest.rpartition(":") if last else rest.partition(":")
    return (name, column) if colon else None


def focus(frame: pd.DataFrame, **columns: str) -> pd.DataFrame:
    """`frame` narrowed to the address's record. `columns` maps the kinds of key this
    section lists to the column holding their id (`org="org_id"`): a key of one of them
    keeps that record's rows, a key of another kind keeps none (the section is not about
    it), and without a key every row stays."""
    key = named()
    if key is None:
        return frame
    column = columns.get(key.prefix)
    if column is None or column not in frame.columns:
        return frame.iloc[0:0]
    return frame[frame[column].astype(str) == selected(key.prefix)]


def focus_column(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` (with `dataset` and `column`) narrowed to the dataset column the address's
    key names, when it names one."""
    key = named()
    cell = None if key is None else dataset_column(key)
    if cell is None:
        return frame
    return frame[(frame["dataset"] == cell[0]) & (frame["column"] == cell[1])]


def focus_on_key(frame: pd.DataFrame, column: str = "key") -> pd.DataFrame:
    """`frame` (keys of every kind in `column`) narrowed to the address's key, if any."""
    key = named()
    return frame if key is None else frame[frame[column].astype(str) == key.text]


def say_empty(text: str, *, clean: bool = False, narrowed: bool = True) -> None:
    """What an empty section says: `text`, a statement about the whole snapshot (shown as
    good news when `clean`), unless the address names a record and the section was
    narrowed to it (`narrowed`; False where the page's own filter emptied it): then its
    emptiness says nothing of the snapshot."""
    if narrowed and named() is not None:
        st.info(NOTHING_ABOUT_IT)
    elif clean:
        st.success(text)
    else:
        st.info(text)


def linker(wb: Workbench, url_paths: dict[str, str]) -> Callable[[str], str]:
    """A function giving the relative address of a key on its owning page, in this view's
    snapshot/as_of. What every link shares (the address's kept values, the keys RET-004
    found) is read once, not once per key: a table may hold thousands."""
    kept = {n: v for n in address.KEPT if (v := address.one(n)) is not None}
    left_behind: list[frozenset[str]] = []  # read at the first `user:` key, if any

    def link(key: str) -> str:
        try:
            parsed = address.parse_key(key)
        except InputError:
            return ""
        if parsed.prefix == "user" and not left_behind:
            left_behind.append(left_behind_keys(wb))
        page = owner(wb, parsed, left_behind[0] if left_behind else None)
        return address.link(url_paths.get(page, ""), {address.KEY: key, **kept})

    return link


def with_links(wb: Workbench, frame: pd.DataFrame, column: str = "key") -> pd.DataFrame:
    """`frame` with its key column turned into links (show with `LINK_COLUMN`)."""
    if frame.empty or column not in frame.columns:
        return frame
    link = linker(wb, url_paths())
    return frame.assign(
        **{column: [tables.shown_in_link(link(str(k)), str(k)) for k in frame[column]]}
    )


KEY_WIDTH = 280  # pixels: a key whole (`dataset:case_notes_sample`); cut, two read alike


def key_links(wb: Workbench, column: str = "key", prefix: str | Sequence[str] = "") -> tables.Links:
    """Links for `tables.show`: each key of `column` (an id, with `prefix` such as
    `org:` in front, or one prefix per row of the table for ids of several kinds)
    opens its record."""
    link = linker(wb, url_paths())
    shown = tables.ID_SHOWN if prefix else tables.KEY_SHOWN
    config = st.column_config.LinkColumn(
        tables.label(column), display_text=shown, help=LINK_HELP, width=KEY_WIDTH
    )
    if isinstance(prefix, str):
        return tables.Links(column, lambda value: link(prefix + value), config)
    return tables.Links(column, link, config, prefixes=prefix)


def link_column(label: str = "key") -> ColumnConfig:
    """Shows the key (the `key=` part of the link) and opens its record."""
    return st.column_config.LinkColumn(
        label, display_text=tables.KEY_SHOWN, help=LINK_HELP, width=KEY_WIDTH
    )


def panel(
    wb: Workbench,
    sources: Mapping[str, Source] | None = None,
    columns: pd.DataFrame | None = None,
    *,
    listed_below: bool = False,
) -> RecordKey | None:
    """The detail panel of the address's record (nothing without a key): its facts (the
    rows of `sources[prefix]` for it; for a dataset's column, its row of `columns`, which
    has `dataset` and `column`), its findings, then its history and decisions.
    `listed_below`: the page's sections list rows of the record besides its facts (an
    account's late logins), so an empty panel does not mean the page has nothing of it.
    Returns the key shown."""
    key = named()
    if key is None:
        return None
    source = (sources or {}).get(key.prefix)
    cell = dataset_column(key)
    if cell is not None:  # a dataset's column: its row among the columns, if it has one
        facts = (
            None
            if columns is None
            else columns[(columns["dataset"] == cell[0]) & (columns["column"] == cell[1])]
        )
    else:
        facts = None if source is None else focus(source[0], **{key.prefix: source[1]})
    own = record_findings(wb, key) if wb.is_dpo else pd.DataFrame()
    has_facts = facts is not None and not facts.empty
    names_nothing = wb.is_dpo and not has_facts and own.empty and not listed_below
    with st.container(border=True):
        # In a code span: the key as it is, to copy into the command line.
        st.subheader(f"Record {markdown_code(key_as_shown(key.text, names_nothing))}")
        if not wb.is_dpo:
            st.info("Records and their findings are for the DPO role.")
            return key
        if names_nothing:
            # Some pages list only the records a rule flagged (late logins, bursts), so
            # an empty panel does not prove the record is absent from the snapshot.
            st.warning(
                "No finding names this key at this as-of time, and this page lists "
                "nothing under it. Check the link, or open the page without it."
                + look_alike_note(key.ident)
            )
        if has_facts and facts is not None:  # the page's own table below has the download
            tables.show(facts, "record_facts", download=False)
        if own.empty:  # for a key that names nothing, the warning above says so
            below = " This page lists its rows below." if listed_below else ""
            if not names_nothing:
                st.success("No finding for this record." + below)
        else:
            st.markdown("**Findings**")
            tables.show(own, "record_findings", download=False)  # it names each rule
        if key.prefix == "request" and has_facts and facts is not None:
            _pack_action(wb, key, facts)
        show_history_and_decisions(wb, key, own, facts)
        st.button(
            "Show everything on this page",
            on_click=address.set_param,
            args=(address.KEY, None),
            key="record_clear",
        )
    return key


SHOWN_KEY_CHARS = 200  # a key longer than this is cut in the panel's heading
INVISIBLE = ("Cc", "Cf", "Zl", "Zp")  # controls, zero-width and bidi, line separators


def key_as_shown(text: str, names_nothing: bool) -> str:
    """A key for the panel's heading: cut past 200 characters; for a key that names
    nothing, its invisible characters as their code, since `O0002` and a zero-width
    space would read as the real `O0002`. A real key keeps them (a Persian column name
    holds zero-width non-joiners)."""
    if names_nothing:
        text = "".join(
            f"\\u{ord(c):04x}" if unicodedata.category(c) in INVISIBLE else c for c in text
        )
    return text if len(text) <= SHOWN_KEY_CHARS else text[:SHOWN_KEY_CHARS] + "…"


def look_alike_note(ident: str) -> str:
    """For an id that names nothing: the characters outside ASCII or invisible it holds,
    by code and name, since `О0002` with a Cyrillic О reads as the real `O0002`; white
    space at either end, which no heading shows."""
    ends = " Its id begins or ends with white space." if ident != ident.strip() else ""
    odd = list(dict.fromkeys(c for c in ident if not c.isascii() or not c.isprintable()))
    if not odd:
        return ends
    said = ", ".join(
        f"U+{ord(c):04X} {unicodedata.name(c, 'a control character')}" for c in odd[:3]
    )
    more = f" and {len(odd) - 3} more" if len(odd) > 3 else ""
    return (
        f" Its id holds characters outside ASCII or invisible ({said}{more}), "
        "which can look like others." + ends
    )


def record_findings(wb: Workbench, key: RecordKey) -> pd.DataFrame:
    """The findings of one record; a dataset's include those of its columns."""
    dataset = key.ident if key.prefix == "dataset" and dataset_column(key) is None else None
    mine = [
        f
        for f in findings(wb)
        if f.key == key.text or (dataset is not None and of_dataset(f.key, dataset))
    ]
    rows = [
        {
            "rule": f.rule,
            "key": f.key,
            "severity": f.severity,
            "due": f.due,
            "message": f.message,
            "evidence": ", ".join(f"{k}: {v}" for k, v in f.evidence.items()),
        }
        for f in mine
    ]
    columns = ["rule", "key", "severity", "due", "message", "evidence"]
    return pd.DataFrame(rows, columns=columns)


def of_dataset(finding_key: str, name: str) -> bool:
    """Whether `finding_key` is about the dataset `name`: `dataset:NAME`, one of its
    columns (`dataset:NAME:COLUMN`) or a credential column released in it (SEC-001's
    `column:deidentified/NAME:COLUMN`). A dataset whose name only starts alike
    (`NAME:2026`) is another one, read as `dataset_column` reads keys."""
    if finding_key == f"dataset:{name}":
        return True
    prefix, _, ident = finding_key.partition(":")
    cell = dataset_column(RecordKey(prefix, ident))
    return cell is not None and cell[0] == name


def findings_csv(frame: pd.DataFrame) -> bytes:
    """Findings as a spreadsheet-safe CSV, with each rule's name."""
    named = frame.assign(name=[rule_title(code) for code in frame["rule"]])
    columns = ["rule", "name", *[c for c in frame.columns if c != "rule"]]
    rows = [
        [None if pd.isna(v) else v for v in row] for row in named[columns].itertuples(index=False)
    ]
    return csv_bytes(columns, rows)


def show_history_and_decisions(
    wb: Workbench, key: RecordKey, own: pd.DataFrame, facts: pd.DataFrame | None = None
) -> None:
    """For each finding of the record: its history across the recorded runs and the
    DPO's decisions about it, from the ledger, with the form to add one (`own`: the
    record's findings, `record_findings`). Deletion evidence first, for what the policy
    asks to delete (not a request to see data)."""
    kinds = set(facts["type"]) if facts is not None and "type" in facts else set()
    if key.prefix != "request" or not kinds or "erasure" in kinds:
        render_deletion_record(wb, key.text)
    findings_of_record = {(r, k) for r, k in zip(own["rule"], own["key"], strict=True)}
    if key.prefix == "dataset" and dataset_column(key) is None:  # a dataset, with its parts
        found = recorded_findings(key.text, with_parts=True)
        found |= recorded_findings(f"{deid.RELEASED_COLUMN}{key.ident}", with_parts=True)
        findings_of_record |= {(r, k) for r, k in found if of_dataset(k, key.ident)}
    else:
        findings_of_record |= recorded_findings(key.text)
    who = wb.identity.who if wb.identity.signed_in else None
    for rule, finding_key in sorted(findings_of_record):
        shown_key = markdown_code(printable(finding_key))  # as it is, to copy
        label = f"{escape_markdown(rule)} {shown_key}: history and decisions"
        expanded = len(findings_of_record) == 1
        with st.expander(label, expanded=expanded):  # a key from the snapshot: text
            render_finding_history(rule, finding_key, wb.role, who)


def recorded_findings(key: str, *, with_parts: bool = False) -> set[tuple[str, str]]:
    """(rule, key) of each finding the ledger's runs recorded under `key` (`with_parts`:
    or under a key of its parts, as a dataset's columns): one resolved since keeps its
    history, decisions and any exception still in force on the panel. Nothing when no
    ledger has been written (the panel never creates one)."""
    if not ledger_written():
        return set()
    try:
        lifecycle = finding_lifecycle(open_ledger(), None, key, with_parts=with_parts)
    except InputError:  # each finding's own history says what is wrong with the ledger
        return set()
    return {(life.rule, life.key) for life in lifecycle.findings}


DECIDED_COLUMNS = ("excepted_until", "owner")
DAYS_COLUMNS = ("days_overdue", "days_left", "days_late")
LONG_TEXT_COLUMNS = ("message", "why")  # a sentence per row: the decided columns go before
# (rule, key, last day of the exception in force today, owner) of a finding decided on
Decided = tuple[tuple[str, str, str | None, str | None], ...]


def decided(rule_prefix: str | None = None) -> Decided:
    """What the DPO's decisions say today of each finding whose rule starts with
    `rule_prefix` and that has an exception in force or an owner, read afresh on every
    run of a page (a decision made a moment ago counts). Nothing when no ledger has been
    written, or it cannot be read: the Overview and each finding's history say what is
    wrong with it."""
    if not ledger_written():
        return ()
    try:
        standing = standing_decisions(open_ledger(), rule_prefix)
    except InputError:
        return ()
    rows = [
        (rule, key, s.exception.until if s.exception else None, s.owner)
        for (rule, key), s in standing.items()
    ]
    return tuple(sorted(rows, key=lambda row: (row[0], row[1])))


def with_decisions(
    frame: pd.DataFrame,
    standing: Decided,
    key_column: str = "key",
    prefix: str = "",
    rule_column: str = "rule",
) -> pd.DataFrame:
    """`frame` (a finding per row: its rule, and its key, or an id that `prefix` makes
    its key) with what the decisions say of each finding: `decisions_beside`."""
    rules = [str(rule) for rule in frame[rule_column]]
    return decisions_beside(frame, standing, rules, [f"{prefix}{k}" for k in frame[key_column]])


def decisions_beside(
    frame: pd.DataFrame, standing: Decided, rules: Sequence[str], keys: Sequence[str]
) -> pd.DataFrame:
    """`frame`, whose rows are the findings `rules` `keys`, with the last day of the
    exception covering each (`excepted_until`) and the owner it is assigned to
    (`owner`), missing where none is. They go after the days overdue, left or late, else
    before the message (or why), so that a wide table's long text does not push them
    out of sight."""
    by_finding = {(rule, key): (day, owner) for rule, key, day, owner in standing}
    found = [  # a key too long for the ledger's columns is held by its digest there
        by_finding.get((rule, held_key(key)), (None, None))
        for rule, key in zip(rules, keys, strict=True)
    ]
    decided = frame.assign(
        excepted_until=pd.Series([day for day, _ in found], index=frame.index, dtype=object),
        owner=pd.Series([owner for _, owner in found], index=frame.index, dtype=object),
    )
    rest = [c for c in frame.columns if c not in DECIDED_COLUMNS]
    days = [i + 1 for i, c in enumerate(rest) if c in DAYS_COLUMNS]
    texts = [i for i, c in enumerate(rest) if c in LONG_TEXT_COLUMNS]
    at = days[-1] if days else texts[0] if texts else len(rest)
    return decided[[*rest[:at], *DECIDED_COLUMNS, *rest[at:]]]


def warn_of_datasets_naming(built: sar.PackDownload) -> None:
    """Say that de-identified datasets still name the person, when they do, and that
    their name was not looked for in them, when it was not."""
    if built.datasets_naming:
        datasets = plural(built.datasets_naming, "de-identified dataset")
        st.warning(
            f"{datasets} still name{'s' if built.datasets_naming == 1 else ''} this person. "
            "Their rows are not in the pack (a row may be about others too): its README "
            "says which rows to read before answering."
        )
    if built.name_not_looked_for:
        st.warning(
            "This person's name is a single word, so the de-identified datasets were not "
            "searched for it (it would point to other people's rows): search them for it by "
            "hand before answering. The pack's README says so too."
        )


def _pack_action(wb: Workbench, key: RecordKey, facts: pd.DataFrame) -> None:
    """Build the subject-access pack of the request's user, named by ids only."""
    user_ids = [str(u) for u in facts.get("user_id", pd.Series(dtype=str)).dropna()]
    if not user_ids:
        st.info("This request names no account, so there is no pack to build from it.")
        return
    user_id = user_ids[0]
    st.caption(
        f"The pack of user {escape_markdown(user_id)} for request {escape_markdown(key.ident)}."
    )
    if st.button("Build the data pack for this request", key="record_pack_build"):
        st.session_state[PACK] = (wb.snapshot_key, key.text, sar.pack(wb, "user_id", user_id))
        audit.audit_event(wb, "pack_build", [f"user:{user_id}", key.text])
    held = st.session_state.get(PACK)
    if isinstance(held, tuple) and held[:2] == (wb.snapshot_key, key.text):
        warn_of_datasets_naming(held[2])
        st.download_button(
            f"Download the pack of user {escape_markdown(user_id)} (zip)",  # a label is Markdown
            held[2].zip_bytes,
            file_name=held[2].file_name,
            mime="application/zip",
            on_click=audit.on_click(wb, "pack_download", [f"user:{user_id}", key.text]),
            key="record_pack_download",
        )
