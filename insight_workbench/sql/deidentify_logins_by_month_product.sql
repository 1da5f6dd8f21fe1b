-- Successful logins per month and product (groups of at least $min_cell people).
SELECT month, product, count(*) AS logins
FROM _successful_logins($as_of)
GROUP BY ALL
HAVING count(DISTINCT user_id) >= $min_cell
ORDER BY ALL;
