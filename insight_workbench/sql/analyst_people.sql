-- The analyst database's people, on the snapshot side: the distinct user ids (users,
-- logins and events, orphans included), each with its first successful login's month and
-- its organisation's product (a word of $products, else $other). Python adds the
-- pseudonym and number (`analyst.database`).
WITH login_users AS (
    SELECT user_id, CAST(date_trunc('month', timezone('UTC', min(ts) FILTER (WHERE success)))
        AS DATE) AS first_login_month
    FROM logins WHERE user_id IS NOT NULL GROUP BY user_id),
ids AS (SELECT user_id FROM users UNION SELECT user_id FROM login_users
        UNION SELECT user_id FROM usage_events),
products AS (
    SELECT u.user_id, iw_closed(o.product, $products, $other) AS org_product
    FROM users u JOIN organisations o ON o.org_id = u.org_id)
SELECT i.user_id, f.first_login_month, r.org_product
FROM ids i LEFT JOIN login_users f USING (user_id) LEFT JOIN products r USING (user_id)
WHERE i.user_id IS NOT NULL
