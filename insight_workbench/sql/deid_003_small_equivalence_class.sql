-- DEID-003 (after deid.prepare): equivalence classes of each microdata dataset, as
-- a histogram: how many classes have each size. A class is the rows sharing one
-- combination of quasi-identifier values; an empty value is a value of its own,
-- and a row whose quasi-identifiers are all empty links to nothing and is left out.
WITH keyed AS (
    SELECT c.dataset, c.row_id, list(c.value ORDER BY q.position) AS combination
    FROM deid_cells AS c
    JOIN deid_columns AS q
      ON q.dataset = c.dataset AND q.column_name = c.column_name
    WHERE q.role = 'quasi_identifier'
    GROUP BY c.dataset, c.row_id
    HAVING count(c.value) > 0
),
classes AS (
    SELECT dataset, count(*) AS size FROM keyed GROUP BY dataset, combination
)
SELECT dataset, size, count(*) AS classes
FROM classes
GROUP BY dataset, size
ORDER BY dataset, size
