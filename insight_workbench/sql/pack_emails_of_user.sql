-- The email addresses (as matched) of the users rows with this user id.
SELECT DISTINCT iw_pack_email(email) AS email
FROM users
WHERE user_id = $user_id AND email IS NOT NULL
ORDER BY email;
