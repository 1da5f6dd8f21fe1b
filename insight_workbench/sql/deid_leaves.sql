-- The texts inside every nested cell, once all cells are loaded (deid.prepare).
INSERT INTO deid_leaves
SELECT c.dataset, c.row_id, c.column_name, t.text
FROM deid_cells AS c, iw_json_texts(c.value, c.keyed) AS t
WHERE c.nested AND c.value IS NOT NULL AND t.text <> '';
