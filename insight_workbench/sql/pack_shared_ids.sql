-- The person's user ids ($ids, as held) that, trimmed, are also another account's id
-- trimmed: `" U1"` and `"U1"` held as two accounts. A de-identified dataset's cell is
-- compared trimmed, so such a cell could be about either, and names neither.
SELECT DISTINCT trim(user_id) AS trimmed
FROM users
WHERE trim(user_id) IN (SELECT trim(unnest($ids::VARCHAR[])))
  AND NOT list_contains($ids::VARCHAR[], user_id);
