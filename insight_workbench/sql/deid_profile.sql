-- Per column of one dataset ($name): does every non-empty value parse as a number, and
-- as a whole number? Written out (`12`, `12.0`, `12.`, `.0`: a count written by a float
-- column), checked by its digits, however many; in exponent form (`1e3`, `1.5e1`), by
-- its value, which must be finite and whole, and not a non-zero mantissa read as 0
-- (`1e-400`).
SELECT column_name,
       bool_and(regexp_full_match(value, $number)) AS is_numeric,
       bool_and(regexp_full_match(value, $number) AND (
           regexp_full_match(value, $whole)
           OR (regexp_matches(value, '[eE]') AND coalesce(
               isfinite(TRY_CAST(value AS DOUBLE))
               AND TRY_CAST(value AS DOUBLE) = trunc(TRY_CAST(value AS DOUBLE))
               AND (TRY_CAST(value AS DOUBLE) <> 0 OR NOT regexp_matches(value, '[1-9][^eE]*[eE]')),
               false))
       )) AS is_integer
FROM deid_cells
WHERE dataset = $name AND value IS NOT NULL
GROUP BY column_name;
