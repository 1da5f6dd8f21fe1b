"""The rules reference (`docs/rules.md`), generated from the registry.

    python -m insight_workbench.rules.reference docs/rules.md     (or: make docs)

A test compares the committed file with `render()`, so the reference cannot drift
from the rules.
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

from insight_workbench.rules import RULES, Rule
from insight_workbench.rules.base import DOC_SECTIONS

HEADER = """\
# Rules reference

Generated from the rule registry by `make docs`; do not edit by hand. Each rule
turns one promise of the privacy policy into a check over one snapshot. Codes are
stable; `insight-workbench check --rule PREFIX` runs the rules whose code starts
with `PREFIX` (repeat the option or separate prefixes with commas). Thresholds are
in `policy.toml` and can be overridden with `--policy FILE`.

Each rule below gives its exact meaning, its key, its due date and the policy
settings it reads. The words the rules share (UTC instants and London dates,
calendar months, a user's personal data, the subject-request clock, keys, due
dates and the schedule) are defined in [rule-semantics.md](rule-semantics.md).
"""


def sections(rule: Rule) -> dict[str, str]:
    """The docstring's fixed sections, dedented: {"What it checks": "...", ...}."""
    names = "|".join(re.escape(s) for s in DOC_SECTIONS)
    parts = re.split(rf"^({names}):[ \t]*$", rule.doc, flags=re.MULTILINE)
    found = {parts[i]: textwrap.dedent(parts[i + 1]).strip() for i in range(1, len(parts), 2)}
    return {name: found.get(name, "") for name in DOC_SECTIONS}


def _paragraph(text: str) -> str:
    """Docstring lines joined into paragraphs (blank lines kept)."""
    return "\n\n".join(" ".join(p.split()) for p in text.split("\n\n"))


def render_rule(rule: Rule) -> str:
    doc = sections(rule)
    return "\n".join(
        [
            f"## {rule.code} `{rule.name}`",
            "",
            f"Severity: **{rule.severity}**",
            "",
            f"> {rule.clause}",
            "",
            "**What it checks.** " + _paragraph(doc["What it checks"]),
            "",
            "**Why it matters.** " + _paragraph(doc["Why it matters"]),
            "",
            "**Example finding.**",
            "",
            textwrap.indent(doc["Example finding"], "    "),
            "",
            "**How to fix.** " + _paragraph(doc["How to fix"]),
            "",
        ]
    )


def render() -> str:
    """The whole reference: a summary table, then one section per rule, in registry order."""
    lines = [HEADER, "| code | name | severity |", "|---|---|---|"]
    lines += [f"| [{r.code}](#{anchor(r)}) | `{r.name}` | {r.severity} |" for r in RULES]
    return "\n".join(lines) + "\n\n" + "\n".join(render_rule(r) for r in RULES)


def anchor(rule: Rule) -> str:
    """GitHub's anchor for the rule's heading."""
    heading = f"{rule.code} {rule.name}".lower()
    return re.sub(r"[^a-z0-9 _-]", "", heading).replace(" ", "-")


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    text = render()
    if not args:
        sys.stdout.write(text)
        return
    Path(args[0]).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
