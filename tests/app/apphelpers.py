"""Reading what the app rendered, and the sample's identifiers, for the AppTest tests."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

import pandas as pd
from streamlit.testing.v1 import AppTest

from insight_workbench.loading.snapshot import Snapshot


def as_read(markdown: str) -> str:
    """What a reader sees of Markdown the app wrote: no code span's backticks, each
    backslash escape read as its character, no invisible word joiner."""
    unescaped = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown.replace("`", ""))
    return unescaped.replace("\u2060", "")


def rendered_text(app: AppTest) -> str:
    """Every rendered element as text: protos (markdown, metrics, plotly JSON, widget
    options, labels) and every dataframe's cells."""
    parts = []
    for node in app._tree:
        if getattr(node, "type", "") == "dataframe":
            parts.append(node.value.to_csv(index=False))
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
    return "\n".join(parts)


def identifiers(snapshot: Snapshot) -> dict[str, set[str]]:
    """Every email, name, telephone, user_id and IP address of the snapshot."""
    queries = {
        "email": "SELECT email FROM users UNION SELECT requester_email FROM subject_requests",
        "name": "SELECT name FROM users",
        "telephone": "SELECT telephone FROM users",
        "user_id": "SELECT user_id FROM users UNION SELECT user_id FROM logins "
        "UNION SELECT user_id FROM usage_events",
        "ip": "SELECT ip FROM logins",
    }
    cursor = snapshot.cursor()
    try:
        found = {
            kind: {
                str(r[0]).strip()
                for r in cursor.execute(sql).fetchall()
                if r[0] is not None and str(r[0]).strip()
            }
            for kind, sql in queries.items()
        }
    finally:
        cursor.close()
    return found


def leaked(text: str, values: dict[str, set[str]]) -> list[str]:
    """Kinds and counts of identifiers found in `text` (never the values themselves).

    Emails, user ids and IPs must appear as a whole token (so "u1" is not found inside
    "u10"); names and telephones, which hold spaces, as substrings."""
    tokens = {
        t.strip(".-")
        for pattern in (r"[\w.%+@:-]+", r"[\w.%+@-]+")
        for t in re.findall(pattern, text)
    }
    found = []
    for kind, candidates in values.items():
        if kind in ("name", "telephone"):
            hits = sum(1 for value in candidates if value in text)
        else:
            hits = sum(1 for value in candidates if value in tokens)
        if hits:
            found.append(f"{hits} {kind}")
    return found


def metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def plotly_specs(app: AppTest) -> dict[str, str]:
    """The JSON of every plotly chart, by the chart's key."""
    specs = {}
    for node in app._tree:
        if getattr(node, "type", "") == "plotly_chart":
            specs[node.proto.id.rsplit("-", 1)[-1]] = node.proto.spec
    return specs


def frame_with(app: AppTest, *columns: str, nth: int = 0) -> pd.DataFrame:
    """The `nth` rendered dataframe having all these columns (st.dataframe has no key to
    look it up by unless it takes selections). Id columns shown as links to their
    records (`requests?key=request:R8&...`) come back as the ids; a `key` column keeps
    its links (read them with `linked_keys`)."""
    found = [d.value for d in app.dataframe if set(columns) <= set(d.value.columns)]
    if len(found) <= nth:
        raise LookupError(f"no dataframe #{nth} with columns {columns}")
    frame = found[nth].copy()
    for column in frame.columns:
        if column != "key" and frame[column].map(_is_id_link).any():
            frame[column] = frame[column].map(_linked_id)
    return frame


ID_LINK = re.compile(r"^[^?]*\?key=[a-z]+:(?P<id>[^&#]*)")


def _is_id_link(value: object) -> bool:
    return isinstance(value, str) and ID_LINK.match(value) is not None


def _linked_id(value: object) -> object:
    matched = ID_LINK.match(value) if isinstance(value, str) else None
    return unquote(matched["id"]) if matched else value


def linked_keys(links: pd.Series) -> list[str]:
    """The record keys of a column of links (`retention?key=org:O8&...`)."""
    return [parse_qs(urlsplit(str(link)).query)["key"][0] for link in links]
