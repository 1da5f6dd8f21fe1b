-- The email addresses (as `emails.email_key` compares them) of the users rows with this user id.
SELECT DISTINCT iw_email_key(email) AS email
FROM users
WHERE user_id = $user_id AND email IS NOT NULL
ORDER BY email;
