-- DEID-001: dataset columns holding a direct identifier (after deid.prepare).
-- Each distinct trimmed non-empty value is tested once; a cell counts once however
-- many of the texts inside it (a nested cell's) are identifiers.
WITH vals AS (
    SELECT DISTINCT dataset, column_name, value FROM deid_values
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
    SELECT dataset, column_name, value, 'email address' AS kind FROM vals
    -- Letters of any script, accents included (`josé@example.org`, `ann@münchen.de`),
    -- and every sign an address may have before its @ (`ann~@example.org`).
    WHERE regexp_matches(value, '[\pL\pN\pM!#$%&''*+/=?^_`{|}~.-]+@[\pL\pN\pM-]+(\.[\pL\pN\pM-]+)*\.[\pL\pM]{2,}')
    UNION ALL
    -- Only text shaped like an address (dotted digits, or hex with colons) goes to
    -- Python's ipaddress, which decides.
    SELECT dataset, column_name, value, 'IP address' FROM vals
    WHERE (regexp_full_match(value, '\d{1,3}(\.\d{1,3}){3}')
           OR regexp_full_match(value, '[0-9A-Fa-f]*:[0-9A-Fa-f:.]*(%\S+)?'))
      AND iw_is_ip_address(value)
    UNION ALL
    SELECT v.dataset, v.column_name, v.value, 'held email address'
    FROM vals AS v JOIN held_emails AS h ON h.v = iw_email_key(v.value)
    UNION ALL
    SELECT v.dataset, v.column_name, v.value, h.kind
    FROM vals AS v JOIN held AS h ON h.v = iw_caseless(v.value)
    UNION ALL
    SELECT v.dataset, v.column_name, v.value, 'held telephone number'
    FROM vals AS v JOIN phones AS p ON p.digits = regexp_replace(v.value, '[^0-9]', '', 'g')
    WHERE length(p.digits) >= 7
),
found AS (  -- each identifying value, with its kinds
    SELECT dataset, column_name, value, list(DISTINCT kind) AS kinds
    FROM matches GROUP BY dataset, column_name, value
)
SELECT f.dataset, f.column_name,
       count(DISTINCT d.row_id) AS cells,
       list_sort(list_distinct(flatten(list(f.kinds)))) AS kinds
FROM found AS f
JOIN deid_values AS d
  ON d.dataset = f.dataset AND d.column_name = f.column_name AND d.value = f.value
GROUP BY f.dataset, f.column_name
ORDER BY f.dataset, f.column_name
