-- The user ids of the users rows whose email address, as compared (`emails.email_key`),
-- is $key: from the keys stored when the workspace was built (`iw_email_keys`).
SELECT coalesce(list(user_id ORDER BY user_id), []) AS user_ids
FROM iw_email_keys
WHERE email_key = $key;
