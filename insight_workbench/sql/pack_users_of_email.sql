-- The email address given, as compared (`emails.email_key`), and the user ids of the
-- users rows carrying it. The key of $email is computed once, then each held address's.
WITH given AS (SELECT iw_email_key($email) AS email)
SELECT email,
       coalesce(
           (SELECT list(user_id ORDER BY user_id) FROM users
            WHERE iw_email_key(users.email) = given.email AND given.email <> ''),
           []
       ) AS user_ids
FROM given;
