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
vals AS (
    SELECT DISTINCT dataset, column_name, value, lower(value) AS hex
    FROM deid_values WHERE length(value) IN (32, 40, 64)
),
found AS (  -- each hashed value, with what it is a hash of
    SELECT v.dataset, v.column_name, v.value, list(DISTINCT d.hash) AS hashes
    FROM vals AS v JOIN digests AS d ON d.digest = v.hex
    GROUP BY v.dataset, v.column_name, v.value
)
-- A cell counts once however many of the texts inside it (a nested cell's) are hashes.
SELECT f.dataset, f.column_name,
       count(DISTINCT d.row_id) AS cells,
       list_sort(list_distinct(flatten(list(f.hashes)))) AS hashes
FROM found AS f
JOIN deid_values AS d
  ON d.dataset = f.dataset AND d.column_name = f.column_name AND d.value = f.value
GROUP BY f.dataset, f.column_name
ORDER BY f.dataset, f.column_name
