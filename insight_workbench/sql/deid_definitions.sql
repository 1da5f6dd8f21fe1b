-- The per-cursor tables the DEID checks work on (deidentification/assessment.py):
-- one row per cell of every de-identified dataset, and the role of each column.
-- (`identifier_text.sql` is defined first: `iw_trim`, `iw_caseless`.)
CREATE OR REPLACE TEMP TABLE deid_cells (
    dataset VARCHAR, row_id BIGINT, column_name VARCHAR, value VARCHAR
);
CREATE OR REPLACE TEMP TABLE deid_columns (
    dataset VARCHAR, position INTEGER, column_name VARCHAR, role VARCHAR
);
