-- Successful logins of the window by `column` (a browser or operating system family):
-- that column, users, logins; rare families pooled as $other. `pooled`: the window's
-- logins counted per person and family (`analyst.usage.common.pooled`).
SELECT {column}, count(DISTINCT user_number) AS users, CAST(sum(n) AS BIGINT) AS logins
FROM ({pooled})
GROUP BY {column} ORDER BY {column} = $other, logins DESC, {column}
