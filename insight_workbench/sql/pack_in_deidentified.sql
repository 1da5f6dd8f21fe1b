-- The rows of one de-identified dataset that name the person, by column: a cell that,
-- trimmed, is one of their user ids ($ids, exactly); one of their names or login IP
-- addresses ($named, as held) compared as DEID-001 compares them (iw_caseless); their
-- telephone digits ($phones, seven or more); one of their email addresses ($emails,
-- as emails.py keys them), whole or within its text (a case note); or an unsalted MD5,
-- SHA-1 or SHA-256 (hex, either case) of one of $hashed, trimmed, as written and
-- lower-cased, as DEID-002 hashes held addresses and user ids.
-- A template: `subject_requests.dataset_mentions` fills in the quoted table and column
-- list, and a name for the row number that none of the dataset's columns has. Rows are
-- numbered as loaded, from 1; no value leaves this query.
WITH person AS (
    SELECT list_transform($named::VARCHAR[], lambda x: iw_caseless(iw_trim(x))) AS caseless
),
hashed AS (
    SELECT DISTINCT v FROM (
        SELECT iw_trim(t) AS v FROM (SELECT unnest($hashed::VARCHAR[]) AS t)
        UNION ALL SELECT lower(iw_trim(t)) FROM (SELECT unnest($hashed::VARCHAR[]) AS t)
    ) WHERE v <> ''
),
digests AS (
    SELECT list(DISTINCT d) AS hex FROM (
        SELECT md5(v) AS d FROM hashed
        UNION ALL SELECT sha1(v) FROM hashed
        UNION ALL SELECT sha256(v) FROM hashed
    )
),
cells AS (
    SELECT {row_id} AS row_number, column_name, iw_trim(value) AS value
    FROM (SELECT row_number() OVER () AS {row_id}, {columns} FROM {table})
    UNPIVOT (value FOR column_name IN ({columns}))
),
naming AS (
    SELECT row_number, column_name FROM cells
    WHERE value <> ''
      AND (list_contains($ids::VARCHAR[], value)
           OR list_contains((SELECT caseless FROM person), iw_caseless(value))
           OR (length(value) IN (32, 40, 64)
               AND list_contains((SELECT hex FROM digests), lower(value)))
           OR (length(regexp_replace(value, '[^0-9]', '', 'g')) >= 7
               AND list_contains($phones::VARCHAR[], regexp_replace(value, '[^0-9]', '', 'g')))
           OR (contains(value, '@')
               AND (list_contains($emails::VARCHAR[], iw_email_key(value))
                    OR list_has_any($emails::VARCHAR[], regexp_extract_all(
                        -- zero-width characters go first, as the email key drops them
                        iw_caseless(regexp_replace(value, '[\x{{200B}}-\x{{200D}}\x{{2060}}\x{{FEFF}}]', '', 'g')),
                        '[\pL\pN\pM._%+''-]+@[\pL\pN\pM-]+(\.[\pL\pN\pM-]+)*')))))
)
SELECT column_name, list(DISTINCT row_number ORDER BY row_number) AS rows
FROM naming
GROUP BY column_name
ORDER BY column_name;
