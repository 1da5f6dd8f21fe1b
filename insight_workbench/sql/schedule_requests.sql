-- Schedule: open subject requests due on or after the London date of as_of (overdue
-- ones are SAR-001 findings; paused ones, waiting for a clarification, have no due date).
SELECT request_id, type, received_date, clock_start_date, clock_started_at, extended,
       paused_days, due_date, due_date AS due_day
FROM iw_request_deadlines($tz, $months, $extended_months, $as_of)
WHERE status = 'open'
  AND NOT paused
  AND due_date >= iw_local_date($as_of, $tz);
