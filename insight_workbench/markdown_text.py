"""Text from a snapshot (or any outside source) shown inside Markdown as itself.

Streamlit's `st.markdown`, `st.caption`, `st.error`... and the reports'
`display(Markdown(...))` read Markdown: a value such as `![x](http://host/)` or
`<img onerror=...>` would become an image fetched from the network or markup.
`escape_markdown` backslash-escapes every ASCII punctuation character (CommonMark
then reads each as a literal character, never syntax, HTML or an entity) and
turns line breaks into spaces, so a value cannot start a block of its own.
"""

from __future__ import annotations

import re
import string

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_BREAKS = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


def escape_markdown(value: object) -> str:
    """`value` as text that any Markdown renderer shows literally."""
    return _PUNCTUATION.sub(r"\\\1", _BREAKS.sub(" ", str(value)))
