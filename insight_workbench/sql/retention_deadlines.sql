-- Every organisation RET-001 or RET-002 judges, with its due instant and the rows of
-- personal data its users still have in the snapshot. Rules, schedule and the
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
    SELECT u.org_id,
           sum(h.users) AS users, sum(h.logins) AS logins,
           sum(h.usage_events) AS usage_events, sum(h.communications) AS communications,
           sum(h.preferences) AS preferences, sum(h.admin_views) AS admin_views,
           sum(h.rows_held) AS rows_held
    FROM users AS u JOIN iw_held AS h USING (user_id)
    GROUP BY u.org_id
)
SELECT j.rule, j.org_id, j.name, j.product, j.status, j.reference, j.reference_at, j.due_at,
       CAST(coalesce(h.users, 0) AS BIGINT) AS users,
       CAST(coalesce(h.logins, 0) AS BIGINT) AS logins,
       CAST(coalesce(h.usage_events, 0) AS BIGINT) AS usage_events,
       CAST(coalesce(h.communications, 0) AS BIGINT) AS communications,
       CAST(coalesce(h.preferences, 0) AS BIGINT) AS preferences,
       CAST(coalesce(h.admin_views, 0) AS BIGINT) AS admin_views,
       CAST(coalesce(h.rows_held, 0) AS BIGINT) AS rows_held
FROM judged AS j LEFT JOIN held AS h USING (org_id);
