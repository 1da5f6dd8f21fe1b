-- RET-001: a closed account's user data held more than closed_account_days after closure.
-- Exactly at the due instant is not yet a finding.
SELECT *, date_diff('day', CAST(reference_at AS DATE), CAST($as_of AS DATE)) AS days_since
FROM iw_retention_deadlines($closed_days, $potential_months)
WHERE rule = 'RET-001' AND $as_of > due_at AND rows_held > 0
ORDER BY org_id;
