-- The rows of one table of a user's personal data carrying one of the person's user
-- ids ($ids), in the table's row order. A template: `subject_requests.pack` fills in
-- the quoted table, user column and row order the schema declares.
SELECT *
FROM {table}
WHERE list_contains($ids, {user_column})
ORDER BY {order};
