-- The rows of one table of a user's personal data carrying one of the person's user
-- ids ($ids), in the table's row order, as their text in the pack's JSON and CSV files.
-- A template: `subject_requests.pack` fills in the quoted table, user column and row
-- order the schema declares, and the SQL of a row's text (`subject_requests.row_text`).
-- The inner ORDER BY hands the text expressions whole chunks of the few rows found
-- rather than a few rows of each chunk scanned (several times faster); the outer one
-- is what guarantees the order.
SELECT {json_object} AS json_object, {csv_line} AS csv_line
FROM (SELECT * FROM {table} WHERE list_contains($ids, {user_column}) ORDER BY {order})
ORDER BY {order};
