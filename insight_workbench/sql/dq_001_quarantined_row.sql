-- DQ-001: quarantined rows, one per table and record; never the rejected value.
-- A problem with the whole record (column_name NULL) is listed by its reason only.
SELECT table_name, row_number,
       coalesce(list(DISTINCT column_name ORDER BY column_name)
                FILTER (WHERE column_name IS NOT NULL), []) AS columns,
       list(DISTINCT reason ORDER BY reason) AS reasons,
       list(DISTINCT coalesce(column_name || ': ', '') || reason
            ORDER BY coalesce(column_name || ': ', '') || reason) AS problems
FROM rejects
GROUP BY table_name, row_number
ORDER BY table_name, row_number
