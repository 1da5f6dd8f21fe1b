-- Per column of one dataset ($name): does every non-empty value parse as a number, and
-- as a whole number? Written out (`12`, `12.0`, `12.`, `.0`: a count written by a float
-- column), by its digits, however many. In exponent form (`1e3`, `1.5e1`), exactly: the
-- mantissa's digits `d`, of which `f` after the point (trailing zeros dropped), times
-- 10 to the exponent `e`, is whole when the mantissa is zero or `e - f` plus the
-- trailing zeros of `d` is not negative; a value too large to be a count of people
-- (infinite as a float: `1e400`) is not one.
WITH cells AS (
    SELECT column_name, value,
           regexp_full_match(value, $number) AS numeric,
           regexp_full_match(value, $whole) AS written_whole,
           regexp_extract(value, '^[+-]?(\d*)', 1) AS int_digits,
           rtrim(regexp_extract(value, '\.(\d*)', 1), '0') AS fraction,
           TRY_CAST(regexp_extract(value, '[eE]([+-]?\d+)$', 1) AS BIGINT) AS exponent
    FROM deid_cells
    WHERE dataset = $name AND value IS NOT NULL
)
SELECT column_name,
       bool_and(numeric) AS is_numeric,
       bool_and(numeric AND (
           written_whole
           OR (exponent IS NOT NULL AND coalesce(isfinite(TRY_CAST(value AS DOUBLE)), false)
               AND (NOT regexp_matches(int_digits || fraction, '[1-9]')
                    OR exponent - length(fraction)
                       + CASE WHEN fraction = ''
                              THEN length(int_digits) - length(rtrim(int_digits, '0'))
                              ELSE 0 END >= 0))
       )) AS is_integer
FROM cells
GROUP BY column_name;
