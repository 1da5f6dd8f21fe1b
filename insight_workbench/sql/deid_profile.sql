-- Per column of one dataset ($name): does every non-empty value parse as a number, and
-- as an integer?
SELECT column_name,
       bool_and(regexp_full_match(value, $number)) AS is_numeric,
       bool_and(regexp_full_match(value, $integer)) AS is_integer
FROM deid_cells
WHERE dataset = $name AND value IS NOT NULL
GROUP BY column_name;
