-- The per-cursor tables the DEID checks work on (deidentification/assessment.py):
-- one row per cell of every de-identified dataset (`nested`: a struct, map or list
-- written as JSON), the role of each column, and the values DEID-001 and DEID-002 test.
-- (`identifier_text.sql` is defined first: `iw_trim`, `iw_caseless`.)
CREATE OR REPLACE TEMP TABLE deid_cells (
    dataset VARCHAR, row_id BIGINT, column_name VARCHAR, value VARCHAR, nested BOOLEAN
);
CREATE OR REPLACE TEMP TABLE deid_columns (
    dataset VARCHAR, position INTEGER, column_name VARCHAR, role VARCHAR
);
-- The values of the cells: a cell's own text, or, in a nested column, each text inside
-- it (`iw_json_texts`): a user id in a struct's field is as much an identifier as one in
-- a column of its own.
CREATE OR REPLACE TEMP VIEW deid_values AS
SELECT dataset, row_id, column_name, value FROM deid_cells
WHERE value IS NOT NULL AND NOT nested
UNION ALL
SELECT c.dataset, c.row_id, c.column_name, t.text
FROM deid_cells AS c, iw_json_texts(c.value) AS t
WHERE c.nested AND c.value IS NOT NULL AND t.text <> '';
