-- The analyst database's users: pseudonyms, role (a word of $roles, else $other), the
-- month created, whether deleted, and the user's number, which the log tables carry.
SELECT p.pseudonym AS user_pseudonym, o.pseudonym AS org_pseudonym,
       iw_closed(u.role, $roles, $other) AS role,
       CAST(date_trunc('month', u.created_at) AS DATE) AS created_month,
       u.deleted_at IS NOT NULL AS deleted, p.user_number
FROM users u JOIN _people p USING (user_id)
LEFT JOIN _org_pseudonyms o ON o.org_id = u.org_id ORDER BY user_pseudonym
