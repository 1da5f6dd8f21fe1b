-- Users (not deleted) per active organisation, by product: every group (aggregates.py
-- leaves out the small ones; `publishable`: see deidentify_monthly_active_users_by_org.sql).
SELECT o.product, count(DISTINCT o.org_id) AS active_organisations,
       count(u.user_id) AS users,
       -- rounded half up on the exact quotient, as the headline's average (a double's
       -- round made 41 users of 40 organisations 1.02, not 1.03)
       CAST((200 * count(u.user_id) + count(DISTINCT o.org_id))
            // (2 * count(DISTINCT o.org_id)) AS DOUBLE) / 100 AS avg_users_per_org,
       _publishable(o.product) AS publishable
FROM organisations o
LEFT JOIN users u ON u.org_id = o.org_id AND u.deleted_at IS NULL
WHERE o.status = 'active'
GROUP BY o.product
ORDER BY ALL;
