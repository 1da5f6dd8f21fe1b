-- The layout of every dataset (JSON), written last: its presence means deid_cells and
-- deid_columns are complete for this cursor.
CREATE OR REPLACE TEMP TABLE deid_layouts AS
SELECT CAST(i - 1 AS INTEGER) AS position, CAST($layouts[i] AS VARCHAR) AS layout
FROM range(1, len($layouts) + 1) AS t(i);
