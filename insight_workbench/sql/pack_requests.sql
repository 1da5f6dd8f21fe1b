-- The subject requests the person made: by one of their user ids ($ids) or from one of
-- their email addresses ($emails, as compared).
SELECT *
FROM subject_requests
WHERE list_contains($ids, user_id) OR list_contains($emails, iw_email_key(requester_email))
ORDER BY received_at, request_id;
