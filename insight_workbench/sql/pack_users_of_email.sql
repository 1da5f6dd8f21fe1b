-- The email address given, as matched, and the user ids of the users rows carrying it.
SELECT iw_pack_email($email) AS email,
       coalesce(
           (SELECT list(user_id ORDER BY user_id) FROM users
            WHERE iw_pack_email(email) = iw_pack_email($email)),
           []
       ) AS user_ids;
