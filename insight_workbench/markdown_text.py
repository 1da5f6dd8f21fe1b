"""Text from a snapshot (or any outside source) shown inside Markdown as itself.

Streamlit's `st.markdown`, `st.caption`, `st.error`... and the reports'
`display(Markdown(...))` read Markdown: a value such as `![x](http://host/)` or
`<img onerror=...>` would become an image fetched from the network or markup.
`escape_markdown` turns line breaks into spaces (a value cannot start a block of
its own) and backslash-escapes every character that can open Markdown syntax:
CommonMark then reads each as a literal character, never as a link, image, HTML,
entity, emphasis, code or math. A bare web address (`https://…`, `www.…`),
Streamlit's directives (`:red[…]`, `:green-badge`, `:help`), icons, emoji shortcodes
and two-character arrows (`->`) get an invisible word joiner inside, as escaping alone
does not stop Streamlit from making them links, colours, badges, icons or symbols.
Characters that cannot (`-`, `.`, `:`, an underscore inside a word) are left as
they are, so plain messages stay plain. Bidi embeddings, overrides and isolates and
the C1 controls are shown as their code (`\\u202e`): one in a note would turn the rest
of a sentence ("Recorded by … at …") backwards. The direction marks (U+200E, U+200F,
U+061C), which right-to-left typists insert on purpose and which move no more than
the punctuation beside them, are kept.
"""

from __future__ import annotations

import re

_BREAKS = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
_SYNTAX = re.compile(
    r"[\\`*{}\[\]()<>#+!|~$&]"
    r"|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])"  # an underscore that could open or close emphasis
)
# At the very start, "-" or "=" may mark a list or rule, and "1." or "1)" a numbered list.
_LEADING = re.compile(r"^(\s*)([-=]|\d+[.)])")
# Streamlit's renderer makes links of bare addresses (`https://…`, `www.…`) even when
# their characters are escaped, and reads `:red[…]` as a colour: an invisible word
# joiner (U+2060) inside each keeps them text. An email address is left whole (it may
# become a `mailto:` link, which fetches nothing): people copy it from the page.
_JOIN = "\u2060"
_REORDERING = re.compile("[\x80-\x9f\u202a-\u202e\u2066-\u2069]")
# Streamlit's Markdown also reads, after the characters are unescaped: a directive
# (`:green-badge`, `:red-background[…]`, `:help`, `:small`, `:color{…}` and a label of
# any other name, which it drops), an icon (`:material/check_circle:`, `:streamlit:`),
# an emoji shortcode (`:white_check_mark:`) and arrows and signs typed as two characters
# standing alone (`->`, `--`, `>=`). A joiner after the colon, or inside the pair, keeps
# each as the text it is: none could then add a badge, a colour or a tick that reads as
# the app's own verdict, or make part of an id vanish. A colon before digits alone (a
# time, `09:15:00`) or before a name with no second colon or label (`org:O9`) is left
# as it is: Streamlit shows those as written.
_DIRECTIVE = (
    r"(help|shimmer|small|color|streamlit"
    r"|(red|orange|yellow|blue|green|violet|purple|gray|grey|primary|rainbow)"
    r"(-background|-badge)?)(?![\w-])"
)
# Streamlit reads the names of directives, icons and emoji in lower case only.
_AUTOLINKED = re.compile(
    r"(?<=:)(?=//)|(?<=\b(?i:www))(?=\.)"
    r"|(?<=:)(?=[A-Za-z][\w-]*\[)"  # a directive's label
    rf"|(?<=:)(?={_DIRECTIVE})"
    r"|(?<=:)(?=material[/_])"
    r"|(?<=:)(?=[\w+-]*[a-z][\w+-]*:)"  # an emoji's shortcode
    r"|(?<=:)(?=(\+1|-1|100|1234):)"  # the emoji named without a letter
)
_SIGNS = re.compile(r"(?<!\S)(?=(<->|->|<-|--|>=|<=|~=)(\s|$))(.)")
# Inside a code span too, Streamlit writes `:material/` as `:material_` (the start of an
# icon's name): the one thing a span does not keep as it is.
_ICON_IN_CODE = re.compile(r"(?<=:)(?=material/)")


def escape_markdown(value: object) -> str:
    """`value` as text that any Markdown renderer shows literally."""
    shown = _one_line(value)
    joined = _SIGNS.sub(lambda m: m.group(3) + _JOIN, _AUTOLINKED.sub(_JOIN, shown))
    text = _SYNTAX.sub(r"\\\g<0>", joined)
    return _LEADING.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)


def markdown_code(value: object) -> str:
    """`value` as an inline code span: shown exactly as it is, so that a key can be copied
    from the page into the command line (`escape_markdown`'s joiners would be copied with
    it). Markdown, Streamlit's directives, icons and emoji are not read inside a code
    span, but Streamlit rewrites `:material/` there too: a joiner after its colon keeps
    it as written (a key holding it is shown right, and copies with the joiner). Line
    breaks become spaces and bidi controls their code, as `escape_markdown` does; the
    fence is longer than any run of backticks in the value."""
    text = _ICON_IN_CODE.sub(_JOIN, _one_line(value))
    if not text:
        return ""
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    # CommonMark takes one space off each end of a span that starts and ends with one.
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _one_line(value: object) -> str:
    """`value` on one line, its bidi controls and C1 controls shown as their code."""
    return _REORDERING.sub(lambda m: f"\\u{ord(m.group()):04x}", _BREAKS.sub(" ", str(value)))
