-- The per-cursor tables the DEID checks work on (deidentification/assessment.py):
-- one row per cell of every de-identified dataset (`nested`: a struct, map or list
-- written as JSON; `keyed`: one holding a map), the role of each column, and the texts
-- inside nested cells, which DEID-001 and DEID-002 test as values.
-- (`identifier_text.sql` is defined first: `iw_trim`, `iw_caseless`.)
CREATE OR REPLACE TEMP TABLE deid_cells (
    dataset VARCHAR, row_id BIGINT, column_name VARCHAR, value VARCHAR,
    nested BOOLEAN, keyed BOOLEAN
);
CREATE OR REPLACE TEMP TABLE deid_columns (
    dataset VARCHAR, position INTEGER, column_name VARCHAR, role VARCHAR
);
-- The texts inside the cells of nested columns (`iw_json_texts`), filled once the cells
-- are (`deid_leaves.sql`): a user id in a struct's field is as much an identifier as one
-- in a column of its own.
CREATE OR REPLACE TEMP TABLE deid_leaves (
    dataset VARCHAR, row_id BIGINT, column_name VARCHAR, value VARCHAR
);
