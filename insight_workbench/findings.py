"""Findings: what a rule found, as data. Views decide how to show them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# A message quotes names and ids from the snapshot, which may hold line breaks or control
# characters: they are shown as visible escapes, so that a message is one line in every
# output (a CSV record, a log line, a table cell).
from insight_workbench.terminal import printable

SEVERITIES = ("high", "medium", "low")


@dataclass(frozen=True)
class Finding:
    rule: str  # the rule's code, e.g. "RET-001"
    key: str  # names exactly one thing, e.g. "org:O17" (formats in docs/rules.md)
    severity: str
    message: str  # one line a DPO understands; never a personal value beyond ids
    due: str | None  # "YYYY-MM-DDTHH:MM:SS[.fff]Z", "YYYY-MM-DD" (SAR rules), or None
    evidence: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", printable(self.message))  # one line

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ScheduleItem:
    kind: str  # retention | subject_request | processor_review
    key: str
    due: str  # UTC timestamp for retention, a date for the others
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", printable(self.message))  # one line

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Sorted by rule then key, as the CLI contract requires."""
    return sorted(findings, key=lambda f: (f.rule, f.key))


def plural(count: int, noun: str) -> str:
    """`1 day`, `3 days`: counts in messages read as English."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
