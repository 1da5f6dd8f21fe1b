-- Every subject request with each step of its due date (docs/rule-semantics.md, "The
-- subject-request clock"), using the clock macros of ukclock.py. SAR rules, the schedule and the
-- request dashboard all read this one computation.
CREATE OR REPLACE TEMP MACRO iw_request_deadlines(tz, months, extended_months) AS TABLE
SELECT
    request_id, type, status, user_id, received_at, clock_started_at, extended, completed_at,
    iw_local_date(received_at, tz) AS received_date,
    iw_local_date(coalesce(clock_started_at, received_at), tz) AS clock_start_date,
    iw_sar_months(extended, months, extended_months) AS period_months,
    -- the same day-of-month N months on, which may not exist (e.g. 2026-02-31)
    strftime(iw_add_months(date_trunc('month', iw_local_date(coalesce(clock_started_at,
        received_at), tz)), iw_sar_months(extended, months, extended_months)), '%Y-%m-')
        || lpad(CAST(day(iw_local_date(coalesce(clock_started_at, received_at), tz)) AS VARCHAR),
                2, '0') AS nominal_date,
    iw_sar_period_end(received_at, clock_started_at, extended, tz, months, extended_months)
        AS period_end,
    iw_sar_due(received_at, clock_started_at, extended, tz, months, extended_months) AS due_date,
    iw_moved_because(iw_sar_period_end(received_at, clock_started_at, extended, tz, months,
        extended_months)) AS moved_because,
    iw_local_date(completed_at, tz) AS completed_date
FROM subject_requests;
