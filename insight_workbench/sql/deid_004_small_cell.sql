-- DEID-004 (after deid.prepare): count cells of aggregate datasets from 1 up to
-- below $min_cell. Zero is fine; empty and non-numeric cells (e.g. "<10") are ignored.
SELECT c.dataset, c.column_name, count(*) AS cells
FROM deid_cells AS c
JOIN deid_columns AS k ON k.dataset = c.dataset AND k.column_name = c.column_name
WHERE k.role = 'count'
  AND regexp_full_match(c.value, $number)  -- deid.NUMBER: the same test as the inference
  AND TRY_CAST(c.value AS DOUBLE) >= 1
  AND TRY_CAST(c.value AS DOUBLE) < $min_cell
GROUP BY c.dataset, c.column_name
ORDER BY c.dataset, c.column_name
