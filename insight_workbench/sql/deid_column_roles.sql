-- The role of each column of one dataset ($name), in the dataset's column order.
INSERT INTO deid_columns
SELECT $name, i - 1, $columns[i], $roles[i]
FROM range(1, len($columns) + 1) AS t(i);
