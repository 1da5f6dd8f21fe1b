-- People with a successful login per month, organisation and product: every group
-- (aggregates.py leaves out the small ones, and those that would give a small one back
-- from a month's total). `publishable` is false for a group whose label equals a held
-- identifier (aggregates.py leaves it out, and counts it).
SELECT *, _publishable(org_id) AND _publishable(product) AS publishable FROM (
    SELECT month, org_id, product, count(DISTINCT user_id) AS active_users
    FROM _successful_logins($as_of)
    GROUP BY ALL
)
ORDER BY ALL;
