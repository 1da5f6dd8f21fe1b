-- The users of one organisation whose personal data the snapshot holds, with the rows
-- held per table (the columns of iw_held) and when each account was deleted: what an
-- organisation's record shows, so the DPO sees exactly whose data is still held.
-- The organisation is filtered first: iw_held is read for its users only.
SELECT u.user_id, u.deleted_at, h.* EXCLUDE (user_id)
FROM users AS u
JOIN iw_held AS h USING (user_id)
WHERE u.org_id = $org_id
ORDER BY h.rows_held DESC, u.user_id;
