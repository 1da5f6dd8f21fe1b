"""SAR-002: a subject request answered after its due date."""

from __future__ import annotations

from insight_workbench.deadlines.due_dates import params, prepare
from insight_workbench.findings import Finding, plural
from insight_workbench.rules.base import Rule, RuleContext
from insight_workbench.rules.sar_001_overdue_open_request import request_evidence
from insight_workbench.subject_requests.request_table import clock_note
from insight_workbench.timeutil import iso_day

SQL = "sar_002_answered_late.sql"


def check(ctx: RuleContext) -> list[Finding]:
    prepare(ctx.cursor, ctx.policy)
    return [
        Finding(
            rule=RULE.code,
            key=f"request:{row['request_id']}",
            severity=RULE.severity,
            message=(
                f"{row['type'].capitalize()} request received {iso_day(row['received_date'])}"
                f"{clock_note(row)} answered {iso_day(row['completed_date'])}, "
                f"{plural(row['days_late'], 'day')} late (due {iso_day(row['due_date'])})"
            ),
            due=row["due_date"].isoformat(),
            evidence={
                **request_evidence(row),
                "completed_date": row["completed_date"].isoformat(),
            },
        )
        for row in ctx.query(SQL, **params(ctx.policy))
    ]


RULE = Rule(
    code="SAR-002",
    name="subject_requests.answered_late",
    severity="medium",
    clause="We will respond to any requests in a timely manner.",
    doc="""\
What it checks:
    Subject requests with status `completed` whose `completed_at`, as a London date, is
    after the due date (computed as for SAR-001: 1 or, when extended, 3 calendar months
    from the London date of `clock_started_at` or `received_at`, plus the days the clock
    was stopped for a clarification, moved past weekends and England-and-Wales bank
    holidays). Answered on the due date is on time. A clarification asked for and never
    received stopped the clock until the request was answered: such a request is late
    only if its time had already run out when the clarification was asked for.

    Days paused for a clarification are added as for SAR-001.

    Key: `request:<request_id>`. Due: the due date (`YYYY-MM-DD`). Settings: as for
    SAR-001.

Why it matters:
    A late answer is a breach of UK GDPR Art. 12(3) even once answered; a pattern of
    late answers is what the ICO looks for.

Example finding:
    SAR-002 request:R7 medium - Erasure request received 2026-08-03 answered 2026-09-08,
    5 days late (due 2026-09-03)

How to fix:
    Nothing can undo a late answer: find why it was late (identity checks, a missed
    mailbox, no extension recorded) and fix the process. Record extensions when granted.
""",
    check=check,
)
