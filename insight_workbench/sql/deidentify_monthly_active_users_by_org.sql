-- People with a successful login per month, organisation and product; groups of at
-- least $min_cell people, organisation ids that equal a held identifier left out.
SELECT * FROM (
    SELECT month, org_id, product, count(DISTINCT user_id) AS active_users
    FROM _successful_logins($as_of)
    GROUP BY ALL
    HAVING count(DISTINCT user_id) >= $min_cell
)
WHERE _publishable(org_id)
ORDER BY ALL;
