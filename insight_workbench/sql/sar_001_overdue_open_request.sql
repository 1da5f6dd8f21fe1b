-- SAR-001: an open request whose due date is before the London date of as_of.
SELECT *, date_diff('day', due_date, iw_local_date($as_of, $tz)) AS days_late
FROM iw_request_deadlines($tz, $months, $extended_months, $as_of)
WHERE status = 'open' AND iw_local_date($as_of, $tz) > due_date
ORDER BY request_id;
