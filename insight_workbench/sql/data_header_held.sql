-- The header cells of a dataset ($sought, trimmed and lower-cased; $numbers, the digits
-- of those with seven or more) that are a held user's address, user id, name of two
-- words or more, or telephone digits: a header row that is a row of data.
SELECT v FROM (
    SELECT lower(trim(email)) AS v FROM users
    UNION SELECT lower(trim(user_id)) FROM users
    UNION SELECT lower(trim(name)) FROM users WHERE contains(trim(name), ' ')
    UNION SELECT regexp_replace(telephone, '\D', '', 'g') FROM users
)
WHERE v IN (SELECT unnest($sought)) OR v IN (SELECT unnest($numbers));
