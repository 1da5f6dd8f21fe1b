-- The subject-request dashboard: every request, each step of its due date, and where
-- it stands at the London date of as_of. A paused request (waiting for a clarification)
-- has no due date, so no days left or late and no finding.
WITH dated AS (
    SELECT *, iw_local_date($as_of, $tz) AS as_of_date
    FROM iw_request_deadlines($tz, $months, $extended_months, $as_of)
)
SELECT request_id, type, status, paused, user_id, received_at, received_date,
       clock_started_at, clock_start_date, extended, period_months, nominal_date,
       period_end, strftime(period_end, '%Y-%m-%d') <> nominal_date AS clamped,
       clarification_requested_at, clarification_received_at, clarification_requested_date,
       clock_resumed_date, paused_days, clock_end,
       moved_because, due_date, completed_at, completed_date,
       CASE WHEN status = 'open' AND as_of_date <= due_date
            THEN date_diff('day', as_of_date, due_date) END AS days_left,
       CASE WHEN status = 'open' AND as_of_date > due_date
                THEN date_diff('day', due_date, as_of_date)
            WHEN status = 'completed' AND completed_date > due_date
                THEN date_diff('day', due_date, completed_date) END AS days_late,
       CASE WHEN status = 'open' AND as_of_date > due_date THEN 'SAR-001'
            WHEN status = 'completed' AND completed_date > due_date THEN 'SAR-002' END
           AS finding
FROM dated
ORDER BY due_date, request_id;
