"""Text from a snapshot (or any outside source) shown inside Markdown as itself.

Streamlit's `st.markdown`, `st.caption`, `st.error`... and the reports'
`display(Markdown(...))` read Markdown: a value such as `![x](http://host/)` or
`<img onerror=...>` would become an image fetched from the network or markup.
`escape_markdown` turns line breaks into spaces (a value cannot start a block of
its own) and backslash-escapes every character that can open Markdown syntax:
CommonMark then reads each as a literal character, never as a link, image, HTML,
entity, emphasis, code or math, and a bare address does not become a link.
Characters that cannot (`-`, `.`, `:`, an underscore inside a word) are left as
they are, so plain messages stay plain.
"""

from __future__ import annotations

import re

_BREAKS = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
_SYNTAX = re.compile(
    r"[\\`*{}\[\]()<>#+!|~$&]"
    r"|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])"  # an underscore that could open or close emphasis
    r"|(?<=:)/|(?<=\bwww)\."  # what would make a bare address a link
)
# At the very start, "-" or "=" may mark a list or rule, and "1." or "1)" a numbered list.
_LEADING = re.compile(r"^(\s*)([-=]|\d+[.)])")


def escape_markdown(value: object) -> str:
    """`value` as text that any Markdown renderer shows literally."""
    text = _SYNTAX.sub(r"\\\g<0>", _BREAKS.sub(" ", str(value)))
    return _LEADING.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)
