-- SAR-002: a completed request whose completion (London date) is after its due date.
SELECT *, date_diff('day', due_date, completed_date) AS days_late
FROM iw_request_deadlines($tz, $months, $extended_months, $as_of)
WHERE status = 'completed' AND completed_date > due_date
ORDER BY request_id;
