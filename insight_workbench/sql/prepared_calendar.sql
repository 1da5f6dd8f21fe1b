-- The clock settings and periods this cursor's deadline definitions were made for.
SELECT calendar FROM temp.main.iw_prepared;
