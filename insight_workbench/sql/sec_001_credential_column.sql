-- SEC-001: credential columns found in an export file (never loaded themselves).
SELECT c.table_name, c.column_name, r.file
FROM credential_columns AS c
LEFT JOIN load_report AS r ON r.table_name = c.table_name
ORDER BY c.table_name, c.column_name
