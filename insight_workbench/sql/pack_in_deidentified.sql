-- The rows of one de-identified dataset that name the person, by column: a cell equal,
-- as DEID-001 compares, to one of their names, user ids or login IP addresses
-- ($named, as held), or to one of their telephone numbers digit for
-- digit ($phones, seven digits or more), or holding one of their email addresses
-- ($emails, as emails.py keys them), whole or within its text (a case note), or an
-- unsalted MD5, SHA-1 or SHA-256 of an address or a user id ($hashes, lower-case hex).
-- A template: `subject_requests.pack` fills in the quoted table and column list, and a
-- name for the row number that none of the dataset's columns has. Row numbers count
-- the data rows from 1, as DQ-001 counts them; no value leaves this query.
WITH person AS (
    SELECT list_transform($named::VARCHAR[], lambda x: iw_caseless(iw_trim(x))) AS caseless
),
cells AS (
    SELECT {row_id} AS row_number, column_name, iw_trim(value) AS value
    FROM (SELECT row_number() OVER () AS {row_id}, {columns} FROM {table})
    UNPIVOT (value FOR column_name IN ({columns}))
),
naming AS (
    SELECT row_number, column_name FROM cells
    WHERE value <> ''
      AND (list_contains((SELECT caseless FROM person), iw_caseless(value))
           OR list_contains($hashes::VARCHAR[], lower(value))
           OR (length(regexp_replace(value, '[^0-9]', '', 'g')) >= 7
               AND list_contains($phones::VARCHAR[], regexp_replace(value, '[^0-9]', '', 'g')))
           OR (contains(value, '@')
               AND (list_contains($emails::VARCHAR[], iw_email_key(value))
                    OR list_has_any($emails::VARCHAR[], regexp_extract_all(
                        iw_caseless(value), '[\pL\pN\pM._%+''-]+@[\pL\pN\pM-]+(\.[\pL\pN\pM-]+)*')))))
)
SELECT column_name, list(DISTINCT row_number ORDER BY row_number) AS rows
FROM naming
GROUP BY column_name
ORDER BY column_name;
