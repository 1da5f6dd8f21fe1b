-- The email address given, as compared, and the user ids of the users rows carrying it.
SELECT iw_email_key($email) AS email,
       coalesce(
           (SELECT list(user_id ORDER BY user_id) FROM users
            WHERE iw_email_key(email) = iw_email_key($email)),
           []
       ) AS user_ids;
