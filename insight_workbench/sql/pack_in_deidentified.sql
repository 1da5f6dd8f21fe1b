-- The rows of one de-identified dataset that name the person, by column: a cell that,
-- trimmed, is one of their user ids ($ids, exactly); one of their names or login IP
-- addresses ($named, as held) compared as DEID-001 compares them (iw_caseless); their
-- telephone digits ($phones, seven or more); one of their email addresses ($emails,
-- as emails.py keys them), whole or within its text (a case note: $within, a pattern
-- of their addresses where no longer address holds them); or an unsalted MD5,
-- SHA-1 or SHA-256 (hex, either case) of one of $hashed, trimmed, as written and
-- lower-cased, as DEID-002 hashes held addresses and user ids. In a nested column (a
-- Parquet struct, map or list, held as JSON) each text inside a cell is tested.
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
texts AS (  -- a cell's text, or each text inside a nested one ($nested: JSON text;
    -- $keyed: holding a map, whose keys are data)
    SELECT row_number, column_name, value FROM cells
    WHERE NOT list_contains($nested::VARCHAR[], column_name)
    UNION ALL
    SELECT c.row_number, c.column_name, t.text
    FROM cells AS c,
         iw_json_texts(c.value, list_contains($keyed::VARCHAR[], c.column_name)) AS t
    WHERE list_contains($nested::VARCHAR[], c.column_name) AND t.text <> ''
),
mailed AS (  -- where a text holds an @: it, caseless, zero-width characters dropped first
    -- (as the email key drops them), for the addresses within it
    SELECT row_number, column_name, value,
           CASE WHEN contains(value, '@') THEN iw_caseless(regexp_replace(
               value, '[\x{{200B}}-\x{{200D}}\x{{2060}}\x{{FEFF}}]', '', 'g')) END AS mail
    FROM texts WHERE value <> ''
),
naming AS (
    SELECT row_number, column_name FROM mailed
    WHERE (list_contains($ids::VARCHAR[], value)
           OR list_contains((SELECT caseless FROM person), iw_caseless(value))
           OR (length(value) IN (32, 40, 64)
               AND list_contains((SELECT hex FROM digests), lower(value)))
           OR (length(regexp_replace(value, '[^0-9]', '', 'g')) >= 7
               AND list_contains($phones::VARCHAR[], regexp_replace(value, '[^0-9]', '', 'g')))
           OR (mail IS NOT NULL
               AND (list_contains($emails::VARCHAR[], iw_email_key(value))
                    OR ($within <> '' AND regexp_matches(mail, $within)))))
)
SELECT column_name, list(DISTINCT row_number ORDER BY row_number) AS rows
FROM naming
GROUP BY column_name
ORDER BY column_name;
