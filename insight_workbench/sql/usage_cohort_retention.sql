-- Monthly cohorts (a user's first successful login month, within the last $months):
-- cohort, months_since, cohort_size, users (active that month). `logins`: the logins of
-- every month from the first cohort's on. A login's cohort is its user's first successful
-- login month (stored with it): for anyone active by $as_of, that is also their first
-- month up to $as_of. The cohorts start no earlier than January of year 1.
WITH first_cohort AS (
    SELECT greatest(CAST(date_trunc('month', $as_of) - to_months($months - 1) AS DATE),
                    DATE '0001-01-01') AS month),
l AS (SELECT user_number, first_login_month AS cohort,
                  CAST(date_trunc('month', day) AS DATE) AS month
           FROM ({logins})
           WHERE user_number IS NOT NULL
             AND first_login_month >= greatest(
                 CAST(date_trunc('month', $as_of) - to_months($months - 1) AS DATE),
                 DATE '0001-01-01')),
last AS (SELECT CAST(date_trunc('month', $as_of) AS DATE) AS month),
grid AS (
    SELECT CAST(t AS DATE) AS cohort, CAST(k AS INTEGER) AS months_since
    FROM first_cohort,
         generate_series(first_cohort.month, CAST(date_trunc('month', $as_of) AS DATE),
                         INTERVAL 1 MONTH) g(t),
         range(0, $months) r(k), last
    WHERE CAST(t AS DATE) + to_months(CAST(k AS INTEGER)) <= last.month),
counted AS (
    SELECT cohort, date_diff('month', cohort, month) AS months_since,
           count(DISTINCT user_number) AS users
    FROM l GROUP BY ALL)
SELECT g.cohort, g.months_since, coalesce(s.users, 0) AS cohort_size,
       coalesce(n.users, 0) AS users
FROM grid g
LEFT JOIN counted n USING (cohort, months_since)
LEFT JOIN counted s ON s.cohort = g.cohort AND s.months_since = 0
ORDER BY g.cohort, g.months_since
