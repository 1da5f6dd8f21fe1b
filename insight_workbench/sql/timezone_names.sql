-- The time zone names DuckDB knows.
SELECT name FROM pg_timezone_names();
