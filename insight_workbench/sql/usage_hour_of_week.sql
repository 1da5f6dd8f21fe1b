-- When people log in, London time, every hour of the week shown: weekday (1 = Monday),
-- hour (0-23), users, logins. `logins`: the window's logins.
WITH counted AS (
    SELECT london_weekday AS weekday, london_hour AS hour,
           count(DISTINCT user_number) AS users, count(*) AS logins
    FROM ({logins}) GROUP BY ALL),
grid AS (SELECT * FROM range(1, 8) a(weekday), range(0, 24) b(hour))
SELECT CAST(g.weekday AS INTEGER) AS weekday, CAST(g.hour AS INTEGER) AS hour,
       coalesce(c.users, 0) AS users, coalesce(c.logins, 0) AS logins
FROM grid g LEFT JOIN counted c ON c.weekday = g.weekday AND c.hour = g.hour
ORDER BY g.weekday, g.hour
