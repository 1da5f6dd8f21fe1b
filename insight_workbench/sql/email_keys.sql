-- Every loaded user's email address as compared (`emails.email_key`, through
-- `iw_email_key`), stored in the workspace when it is built (`loading.email_keys`). A
-- subject-access pack by email and DEID-001 read it instead of keying every address. An
-- address that keys to nothing (spaces only) matches nobody, so it is left out.
CREATE TABLE iw_email_keys AS
SELECT user_id, email_key
FROM (SELECT user_id, iw_email_key(email) AS email_key FROM users WHERE email IS NOT NULL)
WHERE email_key <> ''
ORDER BY email_key, user_id;
