-- The data rows of one de-identified dataset ($key, `deidentified/NAME`) quarantined at
-- load, in order: the pack counts its rows as the file does, past them.
SELECT DISTINCT row_number FROM rejects WHERE table_name = $key ORDER BY row_number;
