-- The email addresses held in the users rows with this user id.
SELECT DISTINCT email
FROM users
WHERE user_id = $user_id AND email IS NOT NULL
ORDER BY email;
