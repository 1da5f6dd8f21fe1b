-- The header cells of a dataset ($sought: trimmed, numbers left out) that are a held
-- user's address, user id or name of two words or more, compared as DEID-001 compares
-- them (`identifier_text.sql`: trimmed, one Unicode form, without case); and the digits
-- of those with seven or more ($numbers) that are a held telephone's: a header row that
-- is a row of data. Only telephones are compared with digits: a number is a column's name.
SELECT s AS v FROM (SELECT unnest($sought) AS s)
WHERE iw_caseless(iw_trim(s)) IN (
    SELECT iw_caseless(iw_trim(email)) FROM users
    UNION SELECT iw_caseless(iw_trim(user_id)) FROM users
    UNION SELECT iw_caseless(iw_trim(name)) FROM users WHERE contains(iw_trim(name), ' ')
)
UNION
SELECT v FROM (SELECT regexp_replace(telephone, '\D', '', 'g') AS v FROM users)
WHERE v IN (SELECT unnest($numbers));
