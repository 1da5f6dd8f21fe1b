-- Every organisation RET-001 or RET-002 judges, with its due instant and the rows of
-- personal data its users still have in the snapshot, per table and in all (rows_held). Rules, schedule and the
-- retention dashboard all read this one computation.
CREATE OR REPLACE TEMP MACRO iw_retention_deadlines(closed_days, potential_months) AS TABLE
WITH judged AS (
    SELECT 'RET-001' AS rule, org_id, name, product, status,
           'closed_at' AS reference, closed_at AS reference_at,
           closed_at + to_days(CAST(closed_days AS INTEGER)) AS due_at
    FROM organisations
    WHERE closed_at IS NOT NULL
    UNION ALL
    SELECT 'RET-002', org_id, name, product, status,
           'last_contact_at', last_contact_at,
           -- calendar months on the UTC clock, clamped to a shorter month's last day
           last_contact_at + to_months(CAST(potential_months AS INTEGER))
    FROM organisations
    WHERE status IN ('demo', 'trial') AND last_contact_at IS NOT NULL
),
held AS (
    -- one column per table of personal data (as iw_held has them), then rows_held
    SELECT u.org_id, sum(COLUMNS(h.* EXCLUDE (user_id)))
    FROM users AS u JOIN iw_held AS h USING (user_id)
    GROUP BY u.org_id
)
SELECT j.rule, j.org_id, j.name, j.product, j.status, j.reference, j.reference_at, j.due_at,
       CAST(coalesce(COLUMNS(h.* EXCLUDE (org_id)), 0) AS BIGINT)
FROM judged AS j LEFT JOIN held AS h USING (org_id);
