-- Every subject request with each step of its due date (docs/rule-semantics.md, "The
-- subject-request clock"), using the clock macros of uk_calendar.py. SAR rules, the schedule and the
-- request dashboard all read this one computation.
--
-- A clarification stops the clock from the London date it was asked for (or the clock
-- start, if later) to the London date it arrived. Not arrived by as_of: an open request
-- is paused (no due date). A closed request is judged on its own dates whatever as_of
-- says: its pause ends with the reply, or with the answer (completed_at) when no reply
-- is recorded.
-- An open request whose clarification is asked for only after as_of was not stopped at
-- as_of: its clock ran.
CREATE OR REPLACE TEMP MACRO iw_request_deadlines(tz, months, extended_months, as_of) AS TABLE
WITH asked AS (
    SELECT *,
           CASE WHEN status = 'open' AND clarification_requested_at > as_of THEN NULL
                ELSE clarification_requested_at
           END AS clock_stopped_at
    FROM subject_requests
),
resumed AS (
    SELECT *,
           CASE WHEN clock_stopped_at IS NULL THEN NULL
                WHEN status <> 'open' THEN coalesce(clarification_received_at, completed_at)
                WHEN clarification_received_at <= as_of THEN clarification_received_at
           END AS clock_resumed_at
    FROM asked
),
clocked AS (
    SELECT *,
           iw_sar_start(received_at, clock_started_at, tz) AS start_date,
           iw_sar_period_end(received_at, clock_started_at, extended, tz, months,
                             extended_months) AS d0,
           iw_sar_clock_end(received_at, clock_started_at, extended, tz, months,
                            extended_months, clock_stopped_at, clock_resumed_at)
               AS d1,
           iw_sar_paused_days(received_at, clock_started_at, tz, clock_stopped_at,
                              clock_resumed_at) AS paused_days,
           clock_stopped_at IS NOT NULL AND clock_resumed_at IS NULL AS stopped
    FROM resumed
)
SELECT
    request_id, type, status, user_id, received_at, clock_started_at, extended, completed_at,
    clarification_requested_at, clarification_received_at,
    iw_local_date(received_at, tz) AS received_date,
    start_date AS clock_start_date,
    iw_sar_months(extended, months, extended_months) AS period_months,
    -- the same day-of-month N months on, which may not exist (e.g. 2026-02-31)
    strftime(iw_add_months(date_trunc('month', start_date),
                           iw_sar_months(extended, months, extended_months)), '%Y-%m-')
        || lpad(CAST(day(start_date) AS VARCHAR), 2, '0') AS nominal_date,
    d0 AS period_end,
    iw_local_date(clarification_requested_at, tz) AS clarification_requested_date,
    iw_local_date(clock_resumed_at, tz) AS clock_resumed_date,
    paused_days,
    status = 'open' AND stopped AS paused,
    CASE WHEN NOT stopped THEN d1 END AS clock_end,
    iw_sar_due(received_at, clock_started_at, extended, tz, months, extended_months,
               clock_stopped_at, clock_resumed_at) AS due_date,
    CASE WHEN NOT stopped THEN iw_moved_because(d1) END AS moved_because,
    iw_local_date(completed_at, tz) AS completed_date
FROM clocked;
