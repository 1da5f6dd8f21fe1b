-- One account's facts for its record on Access monitoring, where no rule names it: its
-- organisation and role, when it was made and deleted, and its logins (successful and
-- failed, and the latest successful one). Filtered to the one user before joining.
WITH account AS (
    SELECT user_id, org_id, role, created_at, deleted_at FROM users WHERE user_id = $user_id
),
its_logins AS (
    SELECT count(*) FILTER (WHERE success) AS logins,
           count(*) FILTER (WHERE NOT success) AS failed_logins,
           max(ts) FILTER (WHERE success) AS last_login
    FROM logins WHERE user_id = $user_id
)
SELECT a.*, l.logins, l.failed_logins, l.last_login
FROM account AS a CROSS JOIN its_logins AS l
