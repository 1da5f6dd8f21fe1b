-- RET-002: a demo/trial organisation's user data held more than potential_customer_months
-- calendar months after the last contact. Exactly at the due instant is not yet a finding.
SELECT *, date_diff('day', CAST(reference_at AS DATE), CAST($as_of AS DATE)) AS days_since
FROM iw_retention_deadlines($closed_days, $potential_months)
WHERE rule = 'RET-002' AND $as_of > due_at AND rows_held > 0
ORDER BY org_id;
