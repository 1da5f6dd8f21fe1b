-- Every subject request's id and requester email, for `subject_requests.pack` to
-- compare the addresses as `emails.email_key` does (requests are few). Named by
-- request_id (unique once loaded), not rowid: an extra column of the export may be
-- called `rowid` and would hide DuckDB's own.
SELECT request_id, requester_email AS email
FROM subject_requests
WHERE requester_email IS NOT NULL;
