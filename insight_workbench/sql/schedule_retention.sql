-- Schedule: organisations RET-001/RET-002 judge whose due instant is after as_of; with
-- $due_now, also those due at as_of itself (the app's Overview: not yet a finding, yet
-- due). An organisation judged by both rules is listed once, at its earlier due instant.
-- A horizon (--within) is cut by deadlines/schedule.py, once the schedule is built.
SELECT rule, org_id, name, status, reference_at, due_at, rows_held,
       iw_local_date(due_at, $tz) AS due_day
FROM iw_retention_deadlines($closed_days, $potential_months)
WHERE (due_at > $as_of OR ($due_now AND due_at = $as_of))
QUALIFY row_number() OVER (PARTITION BY org_id ORDER BY due_at, rule) = 1;
