-- The failed logins, apart from the successful ones (`loading.failed_logins`): the
-- columns every query of failures reads. Failures on unknown accounts (NULL user_id)
-- are kept: they count for their IP. Stored in the workspace when it is built (a
-- snapshot never changes) and read by ACC-003, ACC-004 and the failed logins per period.
CREATE TABLE iw_failed_logins AS
SELECT ts, user_id, ip
FROM logins
WHERE NOT success
ORDER BY ts;
