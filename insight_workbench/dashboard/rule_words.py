"""Rule codes in words, from the registry: a code never stands alone on a page.

`title("RET-003")` is "Erasure not done" (from the rule's dotted name), and
`explains("RET-003")` the first sentence of what the rule checks (from its doc), plain
text for a tooltip.
"""

from __future__ import annotations

import re

from insight_workbench.column_words import in_words
from insight_workbench.markdown_text import escape_markdown
from insight_workbench.rules import REGISTRY
from insight_workbench.rules.base import family_label

CODE = re.compile(r"^[A-Z]{2,5}-\d{3}$")


def known(code: object) -> bool:
    return isinstance(code, str) and code in REGISTRY


def title(code: str) -> str:
    """The rule's name in words: `RET-003` -> `Erasure not done`, `ACC-004` -> `IP failed
    login burst`."""
    return in_words(REGISTRY[code].name.split(".", 1)[-1].lower())


def explains(code: str) -> str:
    """The first sentence of the rule's "What it checks", without Markdown."""
    doc = REGISTRY[code].doc
    section = doc.split("What it checks:", 1)[-1].split("\n\n", 1)[0]
    text = " ".join(section.replace("`", "").split())
    first = re.split(r"(?<=\.)\s+(?=[A-Z])", text, maxsplit=1)[0]
    return first if first.endswith(".") else first + "."


def help_for(codes: list[str]) -> str:
    """A tooltip naming and explaining each code (in the order given, once each)."""
    lines = [f"{c} {title(c)}: {explains(c)}" for c in dict.fromkeys(codes) if known(c)]
    return "\n\n".join(lines)


def catalogue() -> str:
    """Every rule of the registry as Markdown, by family: its code and name, then what it
    checks in full (a table cell would cut the longer explanations short)."""
    families: dict[str, list[str]] = {}
    for code in REGISTRY:
        line = f"- **{code} {escape_markdown(title(code))}**: {escape_markdown(explains(code))}"
        families.setdefault(family_label(code), []).append(line)
    return "\n\n".join(
        f"**{escape_markdown(family)}**\n\n" + "\n".join(lines)
        for family, lines in families.items()
    )


def by_family() -> dict[str, str]:
    """For each family's name, its rules in words, one a line (for a chart's hover)."""
    lines: dict[str, list[str]] = {}
    for code in REGISTRY:
        lines.setdefault(family_label(code), []).append(f"{code} {title(code)}")
    return {family: "<br>".join(rules) for family, rules in lines.items()}
