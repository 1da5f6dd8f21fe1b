"""A column's snake_case name as a reader sees it, in the app, the charts and the
reports alike: `org_id` reads "Organisation ID", `rows_held` "Rows held"."""

from __future__ import annotations

# Written so wherever they appear in a name (a rule's name too).
ACRONYMS = {
    "id": "ID",
    "ids": "IDs",
    "ip": "IP",
    "ips": "IPs",
    "os": "OS",
    "csv": "CSV",
    "utc": "UTC",
    "sar": "SAR",
    "dpo": "DPO",
}
EXPANDED = {"org": "organisation"}


def in_words(name: str) -> str:
    """`name` split on underscores and spaces, acronyms upper-cased, short forms written
    out, and the first word capitalised (unless it is an acronym)."""
    words = [
        ACRONYMS.get(word.lower()) or EXPANDED.get(word.lower(), word)
        for word in name.replace("_", " ").split()
    ]
    if not words:
        return name
    first = words[0]
    words[0] = first if first in ACRONYMS.values() else first[:1].upper() + first[1:]
    return " ".join(words)
