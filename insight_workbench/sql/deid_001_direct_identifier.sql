-- DEID-001: dataset columns holding a direct identifier (after deid.prepare).
-- Each distinct trimmed non-empty value is tested once; in a nested column, each text
-- inside a cell (deid_leaves) in place of the cell's JSON.
WITH vals AS (  -- cells: how many hold each value; nested texts: counted by cell below
    SELECT dataset, column_name, value, count(*) AS cells
    FROM deid_cells WHERE value IS NOT NULL AND NOT nested
    GROUP BY dataset, column_name, value
    UNION ALL
    SELECT DISTINCT dataset, column_name, value, NULL FROM deid_leaves
),
held_emails AS (  -- compared as emails.py says (iw_email_key), like every email address:
    -- each held address was keyed once, when the workspace was built
    SELECT DISTINCT email_key AS v FROM iw_email_keys
),
held AS (  -- only values some cell carries; each login IP address normalised once
    SELECT DISTINCT v, kind FROM (
        SELECT iw_caseless(iw_trim(name)) AS v, 'held user name' AS kind FROM users
        UNION ALL SELECT iw_caseless(iw_trim(user_id)), 'held user id' FROM users
        UNION ALL SELECT iw_caseless(iw_trim(ip)), 'held login IP address'
        FROM (SELECT DISTINCT ip FROM logins)
    ) WHERE v <> '' AND v IN (SELECT iw_caseless(value) FROM vals)
),
phones AS (
    SELECT DISTINCT regexp_replace(telephone, '[^0-9]', '', 'g') AS digits FROM users
    WHERE telephone IS NOT NULL
),
matches AS (
    SELECT dataset, column_name, value, cells, 'email address' AS kind FROM vals
    -- Letters of any script, accents included (`josé@example.org`, `ann@münchen.de`),
    -- and the signs an address may have (`ann~@example.org`); not ending in one a link
    -- or a template puts before an @ (`medium.com/@ann.lee`, a placeholder's closing brace).
    WHERE regexp_matches(value, '[\pL\pN\pM!#$%&''*+/=?^_`{|}~.-]*[\pL\pN\pM!#$%&''*+_~-]@[\pL\pN\pM-]+(\.[\pL\pN\pM-]+)*\.[\pL\pM]{2,}')
    UNION ALL
    -- Only text shaped like an address (dotted digits, or hex with colons) goes to
    -- Python's ipaddress, which decides.
    SELECT dataset, column_name, value, cells, 'IP address' FROM vals
    WHERE (regexp_full_match(value, '\d{1,3}(\.\d{1,3}){3}')
           OR regexp_full_match(value, '[0-9A-Fa-f]*:[0-9A-Fa-f:.]*(%\S+)?'))
      AND iw_is_ip_address(value)
    UNION ALL
    SELECT v.dataset, v.column_name, v.value, v.cells, 'held email address'
    FROM vals AS v JOIN held_emails AS h ON h.v = iw_email_key(v.value)
    UNION ALL
    SELECT v.dataset, v.column_name, v.value, v.cells, h.kind
    FROM vals AS v JOIN held AS h ON h.v = iw_caseless(v.value)
    UNION ALL
    SELECT v.dataset, v.column_name, v.value, v.cells, 'held telephone number'
    FROM vals AS v JOIN phones AS p ON p.digits = regexp_replace(v.value, '[^0-9]', '', 'g')
    WHERE length(p.digits) >= 7
),
found AS (  -- each identifying value, with its kinds
    SELECT dataset, column_name, value, any_value(cells) AS cells, list(DISTINCT kind) AS kinds
    FROM matches GROUP BY dataset, column_name, value
),
counted AS (  -- a nested cell counts once, however many of its texts identify
    SELECT dataset, column_name, cells, kinds FROM found WHERE cells IS NOT NULL
    UNION ALL
    SELECT f.dataset, f.column_name, count(DISTINCT l.row_id), flatten(list(f.kinds))
    FROM found AS f
    JOIN deid_leaves AS l
      ON l.dataset = f.dataset AND l.column_name = f.column_name AND l.value = f.value
    WHERE f.cells IS NULL
    GROUP BY f.dataset, f.column_name
)
SELECT dataset, column_name,
       sum(cells) AS cells,
       list_sort(list_distinct(flatten(list(kinds)))) AS kinds
FROM counted
GROUP BY dataset, column_name
ORDER BY dataset, column_name
