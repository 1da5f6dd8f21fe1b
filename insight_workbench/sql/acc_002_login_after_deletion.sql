-- ACC-002: successful logins after the user's account was (soft-)deleted.
-- Exactly at deleted_at is not after it.
SELECT l.login_id, l.user_id, u.org_id,
       l.ts AS ts,
       u.deleted_at AS limit_at
FROM logins AS l
JOIN users AS u ON u.user_id = l.user_id
WHERE l.success AND u.deleted_at IS NOT NULL AND l.ts > u.deleted_at
ORDER BY l.login_id
