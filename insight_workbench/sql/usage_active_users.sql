-- Active users per $grain (day, week or month) over the window, every period shown:
-- period_start, active_users. `logins`: the window's logins from the start of the
-- first whole period (`analyst.usage.activity.active_users`).
WITH counted AS (
    SELECT CAST(date_trunc($grain, day) AS DATE) AS period_start,
           count(DISTINCT user_number) AS active_users
    FROM ({logins}) GROUP BY ALL),
periods AS (
    SELECT CAST(t AS DATE) AS period_start FROM generate_series(
        date_trunc($grain, $start), date_trunc($grain, $as_of),
        CAST('1 ' || $grain AS INTERVAL)) g(t))
SELECT p.period_start, coalesce(c.active_users, 0) AS active_users
FROM periods p LEFT JOIN counted c USING (period_start) ORDER BY p.period_start
