-- Every subject request's requester email and row id, for `subject_requests.pack` to
-- compare the addresses as `emails.email_key` does (requests are few).
SELECT rowid AS "row", requester_email AS email
FROM subject_requests
WHERE requester_email IS NOT NULL;
