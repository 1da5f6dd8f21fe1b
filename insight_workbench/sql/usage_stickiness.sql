-- Per day: dau, mau (distinct users in the 30 days ending that day) and stickiness =
-- dau / mau, for the days of the window after its first 30. `logins`: the window's logins.
WITH ud AS (
    SELECT DISTINCT user_number, day FROM ({logins})
    WHERE user_number IS NOT NULL),
-- each active day keeps its user in the MAU until 29 days later or the next active day
spans AS (
    SELECT day AS first_day, least(day + 29, coalesce(
        lead(day) OVER (PARTITION BY user_number ORDER BY day) - 1, day + 29))
        AS last_day
    FROM ud),
deltas AS (
    SELECT day, sum(change) AS change FROM (
        SELECT first_day AS day, 1 AS change FROM spans
        UNION ALL SELECT last_day + 1, -1 FROM spans) GROUP BY day),
days AS (
    SELECT CAST(t AS DATE) AS day FROM generate_series(
        CAST($start AS DATE), CAST($as_of AS DATE), INTERVAL 1 DAY) g(t)),
counted AS (
    SELECT d.day, coalesce(x.dau, 0) AS dau,
           sum(coalesce(c.change, 0)) OVER (ORDER BY d.day) AS mau
    FROM days d
    LEFT JOIN deltas c ON c.day = d.day
    LEFT JOIN (SELECT day, count(*) AS dau FROM ud GROUP BY day) x ON x.day = d.day)
SELECT day, dau, CAST(mau AS BIGINT) AS mau,
       CASE WHEN mau > 0 THEN round(dau / mau, 3) END AS stickiness
FROM counted WHERE day > CAST($start AS DATE) + 30 ORDER BY day
