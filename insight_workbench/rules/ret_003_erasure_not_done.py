"""RET-003: an erasure request marked completed while the person's data is still held."""

from __future__ import annotations

from insight_workbench.deadlines.due_dates import held_evidence, prepare
from insight_workbench.findings import Finding, plural
from insight_workbench.rules.base import Rule, RuleContext
from insight_workbench.timeutil import format_utc, iso_day

SQL = "ret_003_erasure_not_done.sql"


def check(ctx: RuleContext) -> list[Finding]:
    prepare(ctx.cursor, ctx.policy)
    rows = ctx.query(SQL, exported_at=ctx.snapshot.manifest.exported_at)
    return [
        Finding(
            rule=RULE.code,
            key=f"request:{row['request_id']}",
            severity=RULE.severity,
            message=(
                f"Erasure completed {iso_day(row['completed_at'])} but data of user "
                f"{row['user_id']} is still held ({plural(row['rows_held'], 'row')})"
            ),
            due=format_utc(row["completed_at"]),
            evidence=held_evidence(row),
        )
        for row in rows
    ]


RULE = Rule(
    code="RET-003",
    name="retention.erasure_not_done",
    severity="high",
    clause=(
        "You are entitled to request a copy of the personal data that we hold, ask us to "
        "confirm that we hold personal data, and to remove any data pertaining to you."
    ),
    doc="""\
What it checks:
    Subject requests of type `erasure` with status `completed` and `completed_at` before
    the snapshot's `exported_at`, while personal data of the request's `user_id` is still
    held: the `users` row (even soft-deleted) or rows with that id in logins, usage
    events, communications, preferences or admin views. Due: `completed_at` (UTC).

    Key: `request:<request_id>`, one finding per request. Due: `completed_at`, a UTC
    instant written at full precision. No setting.

Why it matters:
    Telling someone their data was erased while it is still held breaks the right to
    erasure (UK GDPR Art. 17) and misleads the person and the regulator.

Example finding:
    RET-003 request:R31 high - Erasure completed 2026-10-02 but data of user U203 is
    still held (57 rows); evidence {"users": 1, "logins": 44, "usage_events": 12}

How to fix:
    Finish the erasure: delete the user row and every row with the user id, then export
    and check again. Reopen the request if the answer given was wrong.
""",
    check=check,
)
