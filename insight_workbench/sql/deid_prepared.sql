-- Whether this cursor has prepared the DEID tables already.
SELECT count(*) > 0 AS prepared
FROM duckdb_tables()
WHERE temporary AND table_name = 'deid_layouts';
