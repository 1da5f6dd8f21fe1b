-- Per column of one dataset ($name): does every non-empty value parse as a number, and
-- as a whole number (`12`, `12.0`, `.0`, `1e3`, `1.5e1`: a count written by a float
-- column or in exponent form; digits alone however many)?
SELECT column_name,
       bool_and(regexp_full_match(value, $number)) AS is_numeric,
       bool_and(regexp_full_match(value, $number) AND (
           regexp_full_match(value, $digits)
           OR coalesce(isfinite(TRY_CAST(value AS DOUBLE))
                       AND TRY_CAST(value AS DOUBLE) = trunc(TRY_CAST(value AS DOUBLE)), false)
       )) AS is_integer
FROM deid_cells
WHERE dataset = $name AND value IS NOT NULL
GROUP BY column_name;
