-- ACC-001: successful logins after the closure of the user's organisation.
-- Exactly at closed_at is not after it.
SELECT l.login_id, l.user_id, o.org_id,
       l.ts AS ts,
       o.closed_at AS limit_at
FROM logins AS l
JOIN users AS u ON u.user_id = l.user_id
JOIN organisations AS o ON o.org_id = u.org_id
WHERE l.success AND o.closed_at IS NOT NULL AND l.ts > o.closed_at
ORDER BY l.login_id
