-- The header cells of a dataset ($sought, trimmed and lower-cased, numbers left out;
-- $numbers, the digits of the cells with seven or more) that are a held user's address,
-- user id, name of two words or more, or telephone digits: a header row that is a row
-- of data. Only telephones are compared with digits: a number is a column's name.
SELECT v FROM (
    SELECT lower(trim(email)) AS v FROM users
    UNION SELECT lower(trim(user_id)) FROM users
    UNION SELECT lower(trim(name)) FROM users WHERE contains(trim(name), ' ')
)
WHERE v IN (SELECT unnest($sought))
UNION
SELECT v FROM (SELECT regexp_replace(telephone, '\D', '', 'g') AS v FROM users)
WHERE v IN (SELECT unnest($numbers));
