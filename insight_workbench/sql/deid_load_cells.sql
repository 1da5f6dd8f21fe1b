-- Every cell of one dataset ($name) into deid_cells: trimmed, NULL when empty.
-- A template: `assessment.py` fills in the dataset's quoted table and column list.
INSERT INTO deid_cells
SELECT $name, __iw_row_id, column_name, NULLIF(iw_trim(CAST(value AS VARCHAR)), '')
FROM (SELECT rowid AS __iw_row_id, {columns} FROM {table})
UNPIVOT INCLUDE NULLS (value FOR column_name IN ({columns}));
