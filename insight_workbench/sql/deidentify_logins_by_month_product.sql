-- Successful logins per month and product (groups of at least $min_cell people;
-- `publishable`: see deidentify_monthly_active_users_by_org.sql).
SELECT month, product, count(*) AS logins, _publishable(product) AS publishable
FROM _successful_logins($as_of)
GROUP BY ALL
HAVING count(DISTINCT user_id) >= $min_cell
ORDER BY ALL;
