"""SAR-001: a subject request still open after its due date."""

from __future__ import annotations

from typing import Any

from insight_workbench.deadlines.due_dates import params, prepare
from insight_workbench.findings import Finding, plural
from insight_workbench.rules.base import Rule, RuleContext
from insight_workbench.subject_requests.request_table import clarification_evidence, clock_note
from insight_workbench.timeutil import iso_day

SQL = "sar_001_overdue_open_request.sql"


def request_evidence(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": row["type"],
        "received_date": row["received_date"].isoformat(),
        "clock_start_date": row["clock_start_date"].isoformat(),
        "extended": bool(row["extended"]),
        "due": row["due_date"].isoformat(),
        "days_late": int(row["days_late"]),
        **clarification_evidence(row),
    }


def check(ctx: RuleContext) -> list[Finding]:
    prepare(ctx.cursor, ctx.policy)
    return [
        Finding(
            rule=RULE.code,
            key=f"request:{row['request_id']}",
            severity=RULE.severity,
            message=(
                f"{row['type'].capitalize()} request received {iso_day(row['received_date'])}"
                f"{clock_note(row)} still open {plural(row['days_late'], 'day')} after it was due "
                f"(due {iso_day(row['due_date'])})"
            ),
            due=row["due_date"].isoformat(),
            evidence=request_evidence(row),
        )
        for row in ctx.query(SQL, **params(ctx.policy))
    ]


RULE = Rule(
    code="SAR-001",
    name="subject_requests.overdue_open",
    severity="high",
    clause="We will respond to any requests in a timely manner.",
    doc="""\
What it checks:
    Subject requests with status `open` whose due date is before the London date of
    `as_of`. Due date (ICO reading of UK GDPR Art. 12(3)): the London date of
    `clock_started_at` when set, else of `received_at`; plus 1 calendar month (3 when
    `extended`), clamped to a shorter month's last day; plus the days the clock was
    stopped for a clarification (from the later of that start and the London date of
    `clarification_requested_at` to the London date of `clarification_received_at`);
    moved to the next day that is not a Saturday, Sunday or England-and-Wales bank
    holiday. On the due date itself the request is not late. A request still waiting
    for its clarification at `as_of` is paused: it has no due date and is not judged.

    A clarification stops the clock: the days from the London date it was asked for
    (or the start date, when later) to the London date it arrived are added before the
    working-day step. A request still waiting for its clarification at `as_of` is
    paused: no due date, no finding.

    Key: `request:<request_id>`. Due: the due date (`YYYY-MM-DD`). Settings:
    `[subject_requests] response_months` (1), `extended_months` (3), `holidays`
    (england-and-wales), `timezone` (Europe/London). The clock step by step:
    docs/rule-semantics.md, "The subject-request clock".

Why it matters:
    Missing the statutory deadline is a breach the ICO can act on, and the person is
    still waiting for their data.

Example finding:
    SAR-001 request:R12 high - Access request received 2026-09-01 still open 12 days
    after it was due (due 2026-10-01)

How to fix:
    Answer the request now and record `completed_at`. If it is complex, the extension
    must be decided and told to the person within the first month.
""",
    check=check,
)
