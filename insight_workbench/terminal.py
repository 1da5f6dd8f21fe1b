"""Text from a snapshot made safe to print on a terminal.

A value such as an IP address written `1.2.3.4<ESC>]0;title<BEL>` would retitle
the terminal, move the cursor or hide what follows if printed as it is, and
bidirectional overrides can make a line read differently from what it holds.
Every table the command line prints passes its values through `printable`,
which shows such characters as visible escapes (`\\x1b`, `\\u202e`) instead.
A backslash already in the text is left as it is.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from typing import Any, TextIO

# C0 controls, DEL, C1 controls; bidi embeddings, overrides and isolates, and the
# direction marks.
OTHER_CONTROLS = "\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u2028\u2029"
_ANY_CONTROL = re.compile(f"[\x00-\x1f{OTHER_CONTROLS}]")
_CONTROL_BUT_NEWLINE = re.compile(f"[\x00-\x09\x0b-\x1f{OTHER_CONTROLS}]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def escaped(match: re.Match[str]) -> str:
    """The matched character as its visible escape: `\\n`, `\\x1b`, `\\u202e`."""
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


# What the app shows as escapes in a table cell or a chart label (one line each): the
# controls, line breaks and bidi embeddings, overrides and isolates, which would make
# the text read as something else (`\u202e` turns `gpj.exe` round). The direction marks
# are kept, as in the app's Markdown: right-to-left typists insert them on purpose.
REORDERING_OR_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def controls_shown(text: str) -> str:
    """`text` with the characters of `REORDERING_OR_CONTROL` as their escapes."""
    return REORDERING_OR_CONTROL.sub(escaped, text)


def printable(value: object, *, keep_newlines: bool = False) -> str:
    """`value` as text with control and bidi characters escaped visibly. Newlines are
    escaped too (a table cell is one line) unless `keep_newlines` (a multi-line message)."""
    pattern = _CONTROL_BUT_NEWLINE if keep_newlines else _ANY_CONTROL
    return pattern.sub(escaped, str(value))


def is_terminal(stream: TextIO | None) -> bool:
    """Whether `stream` is a terminal; False for none at all (Python sets `sys.stdout`
    to None when the process starts with that file descriptor closed) or a closed one."""
    try:
        return stream is not None and stream.isatty()
    except ValueError:  # closed
        return False


# Characters drawn as nothing though Unicode does not class them as format characters
# (Cf): the Hangul fillers, the combining grapheme joiner, Khmer's inherent vowels, the
# variation selectors, and the blank Braille pattern.
BLANK_GLYPHS = re.compile(
    "[\u115f\u1160\u3164\uffa0\u034f\u17b4\u17b5\u180b-\u180f\ufe00-\ufe0f"
    "\U000e0100-\U000e01ef\u2800]"
)


def invisible(char: str) -> bool:
    """Whether `char` shows as nothing: a format character (a zero-width space, a soft
    hyphen, a bidi mark) or one of `BLANK_GLYPHS`."""
    return unicodedata.category(char) == "Cf" or BLANK_GLYPHS.match(char) is not None


def os_text(text: str) -> str | None:
    """Text as the operating system passed it (an argument, an environment variable),
    read as UTF-8; None when its bytes are not UTF-8. Under an ASCII locale Python holds
    each byte of `é` as a stand-in character; they are the UTF-8 of `é` all the same."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return os.fsencode(text).decode("utf-8")
    except (UnicodeError, ValueError):
        return None


# Written as JSON's own \u escapes (the same value to any reader): lone surrogates, which
# UTF-8 cannot hold, and the characters a terminal would act on or reorder (DEL and C1
# controls, bidi controls, line separators; json.dumps escapes the C0 controls itself).
UNSHOWN = re.compile(f"[\ud800-\udfff{OTHER_CONTROLS}]")


def json_text(document: Any) -> str:
    """`document` as indented JSON text for UTF-8 output. A path that is not UTF-8 (a
    folder named in another encoding) holds Python's stand-ins for its bytes: they are
    written as `\\udcXX` escapes, which keep the output valid UTF-8 and read back the same;
    so are the characters of `UNSHOWN`, so JSON shown on a terminal is still JSON."""
    text = json.dumps(document, indent=2, ensure_ascii=False, default=str)
    return UNSHOWN.sub(lambda found: f"\\u{ord(found.group()):04x}", text) + "\n"


# A table's keys are aligned up to this width; a longer one (an id of thousands of
# characters) pushes only its own line's due date and message to the right, instead of
# widening every line.
KEY_WIDTH = 40
