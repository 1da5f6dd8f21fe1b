-- RET-004: rows carrying a user_id that has no users row: data left behind by an
-- incomplete deletion.
SELECT *
FROM iw_held
WHERE users = 0
ORDER BY user_id;
