-- The per-cursor tables the DEID checks work on (deidentification/assessment.py):
-- one row per cell of every de-identified dataset, and the role of each column.
CREATE OR REPLACE TEMP MACRO iw_trim(x) AS regexp_replace(x, '^\s+|\s+$', '', 'g');
-- Text compared without case: lower-cased, and a final sigma as any sigma (lower-casing
-- `ΚΏΣΤΑΣ` gives `κώστασ`, while `Κώστας` keeps its `ς`).
CREATE OR REPLACE TEMP MACRO iw_caseless(x) AS replace(lower(x), 'ς', 'σ');
CREATE OR REPLACE TEMP TABLE deid_cells (
    dataset VARCHAR, row_id BIGINT, column_name VARCHAR, value VARCHAR
);
CREATE OR REPLACE TEMP TABLE deid_columns (
    dataset VARCHAR, position INTEGER, column_name VARCHAR, role VARCHAR
);
