-- The subject requests the person made: by one of their user ids ($ids) or from one of
-- their email addresses (the ids $requests, see pack_requesters.sql), as their text in
-- the pack's JSON and CSV files (a template: see pack_rows.sql).
SELECT {json_object} AS json_object, {csv_line} AS csv_line
FROM (
    SELECT * FROM subject_requests
    WHERE list_contains($ids, user_id) OR list_contains($requests, request_id)
    ORDER BY received_at, request_id
)
ORDER BY received_at, request_id;
