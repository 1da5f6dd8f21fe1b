-- Whether DuckDB knows the IANA zone $name, spelled exactly.
SELECT count(*) > 0 AS known
FROM pg_timezone_names()
WHERE name = $name;
