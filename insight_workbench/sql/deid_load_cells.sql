-- Every cell of one dataset ($name) into deid_cells: trimmed, NULL when empty; whether
-- its column is one of $nested (JSON text of a struct, map or list), of $keyed (a map).
-- A template: `assessment.py` fills in the dataset's quoted table and column list, and
-- a name for the row number that none of the dataset's columns has. The number is not
-- the table's rowid: a column of the dataset called `rowid` would hide it.
INSERT INTO deid_cells
SELECT $name, {row_id}, column_name, NULLIF(iw_trim(CAST(value AS VARCHAR)), ''),
       list_contains($nested::VARCHAR[], column_name),
       list_contains($keyed::VARCHAR[], column_name)
FROM (SELECT row_number() OVER () AS {row_id}, {columns} FROM {table})
UNPIVOT INCLUDE NULLS (value FOR column_name IN ({columns}));
