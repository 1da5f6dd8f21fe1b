-- The rows of one table. A template: the caller fills in the quoted table name.
SELECT count(*) AS n FROM {table};
