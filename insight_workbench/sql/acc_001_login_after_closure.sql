-- ACC-001: successful logins after the closure of the user's organisation.
-- Exactly at closed_at is not after it.
-- Times come back as ISO 8601 UTC text: no per-row conversion in Python.
SELECT l.login_id, l.user_id, o.org_id,
       strftime(l.ts AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS ts,
       strftime(o.closed_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS limit_at
FROM logins AS l
JOIN users AS u ON u.user_id = l.user_id
JOIN organisations AS o ON o.org_id = u.org_id
WHERE l.success AND o.closed_at IS NOT NULL AND l.ts > o.closed_at
ORDER BY l.login_id
