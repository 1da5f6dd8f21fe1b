-- RET-003: an erasure request completed before the export, while personal data of its
-- user_id is still held.
SELECT r.request_id, r.user_id, r.completed_at, h.* EXCLUDE (user_id)
FROM subject_requests AS r
JOIN iw_held AS h USING (user_id)
WHERE r.type = 'erasure' AND r.status = 'completed' AND r.completed_at < $exported_at
ORDER BY r.request_id;
