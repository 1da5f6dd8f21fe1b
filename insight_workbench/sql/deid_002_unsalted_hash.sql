-- DEID-002: dataset columns holding an unsalted MD5/SHA-1/SHA-256 of a held email
-- (trimmed, lower-cased; also as written, trimmed) or user_id (as written and
-- lower-cased, trimmed). Lower-cased by DuckDB and, where the text is not ASCII alone,
-- by Unicode's special casing too (iw_unicode_lower). Runs after deid.prepare.
WITH ids AS (
    SELECT DISTINCT v, source FROM (
        SELECT lower(iw_trim(email)) AS v, 'email' AS source FROM users
        UNION ALL SELECT iw_trim(email), 'email' FROM users
        UNION ALL SELECT iw_unicode_lower(iw_trim(email)), 'email' FROM users
            WHERE strlen(email) <> length(email)
        UNION ALL SELECT iw_trim(user_id), 'user_id' FROM users
        UNION ALL SELECT lower(iw_trim(user_id)), 'user_id' FROM users
        UNION ALL SELECT iw_unicode_lower(iw_trim(user_id)), 'user_id' FROM users
            WHERE strlen(user_id) <> length(user_id)
    ) WHERE v <> ''
),
digests AS (
    SELECT md5(v) AS digest, 'MD5 of ' || source AS hash FROM ids
    UNION ALL SELECT sha1(v), 'SHA-1 of ' || source FROM ids
    UNION ALL SELECT sha256(v), 'SHA-256 of ' || source FROM ids
),
vals AS (  -- cells: how many hold each value; nested texts: counted by cell below
    SELECT dataset, column_name, lower(value) AS hex, count(*) AS cells
    FROM deid_cells WHERE length(value) IN (32, 40, 64) AND NOT nested
    GROUP BY dataset, column_name, lower(value)
    UNION ALL
    SELECT DISTINCT dataset, column_name, lower(value), NULL
    FROM deid_leaves WHERE length(value) IN (32, 40, 64)
),
found AS (
    SELECT v.dataset, v.column_name, v.hex, any_value(v.cells) AS cells,
           list(DISTINCT d.hash) AS hashes
    FROM vals AS v JOIN digests AS d ON d.digest = v.hex
    GROUP BY v.dataset, v.column_name, v.hex
),
counted AS (  -- a nested cell counts once, however many of its texts are hashes
    SELECT dataset, column_name, cells, hashes FROM found WHERE cells IS NOT NULL
    UNION ALL
    SELECT f.dataset, f.column_name, count(DISTINCT l.row_id), flatten(list(f.hashes))
    FROM found AS f
    JOIN deid_leaves AS l
      ON l.dataset = f.dataset AND l.column_name = f.column_name AND lower(l.value) = f.hex
    WHERE f.cells IS NULL
    GROUP BY f.dataset, f.column_name
)
SELECT dataset, column_name,
       sum(cells) AS cells,
       list_sort(list_distinct(flatten(list(hashes)))) AS hashes
FROM counted
GROUP BY dataset, column_name
ORDER BY dataset, column_name
