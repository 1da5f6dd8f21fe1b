-- What the snapshot holds of each organisation and each erasure request, for the
-- ledger's deletion evidence: rows of personal data per table (the columns of iw_held),
-- with the retention rule and due instant that apply to it, if any. Keys holding some
-- rows, and keys with a due instant holding none (so a later run knows the due date of
-- data deleted before its organisation was closed): a key a recorded run does not
-- list held nothing in that snapshot either.
-- Organisations are followed through their users' rows; erasure requests through their
-- user_id. An erasure request is due at completed_at once completed, at the end of its
-- response due date (London) while open; a refused or withdrawn one owes no deletion.
WITH org_rows AS (
    SELECT u.org_id, sum(COLUMNS(h.* EXCLUDE (user_id)))
    FROM users AS u JOIN iw_held AS h USING (user_id)
    GROUP BY u.org_id
),
org_due AS (
    -- a trial or demo organisation with a closed_at answers to both rules: its data was
    -- owed at the earlier due (RET-001 on a tie)
    SELECT org_id, (list(rule ORDER BY due_at, rule))[1] AS rule, min(due_at) AS due_at
    FROM iw_retention_deadlines($closed_days, $potential_months)
    GROUP BY org_id
),
request_due AS (
    SELECT request_id, user_id,
           CASE WHEN status = 'completed' THEN completed_at
                ELSE timezone($tz, CAST(due_date + 1 AS TIMESTAMP)) END AS due_at
    FROM iw_request_deadlines($tz, $months, $extended_months, $as_of)
    WHERE type = 'erasure' AND status IN ('completed', 'open')
)
SELECT 'org:' || coalesce(o.org_id, d.org_id) AS key, d.rule, d.due_at,
       o.* EXCLUDE (org_id)
FROM org_rows AS o FULL JOIN org_due AS d ON o.org_id = d.org_id
WHERE coalesce(o.rows_held, 0) > 0 OR d.due_at IS NOT NULL
UNION ALL BY NAME
SELECT 'request:' || r.request_id AS key, 'RET-003' AS rule, r.due_at, h.* EXCLUDE (user_id)
FROM request_due AS r LEFT JOIN iw_held AS h USING (user_id)
ORDER BY key;
