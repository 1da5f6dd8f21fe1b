-- Accounts created per month over the last $months (deleted ones included), every month
-- shown: month, new_users. `users`: the users (of the product chosen, if any).
WITH months AS (
    SELECT CAST(t AS DATE) AS month FROM generate_series(
        date_trunc('month', $as_of) - to_months($months - 1), date_trunc('month', $as_of),
        INTERVAL 1 MONTH) g(t))
SELECT m.month, count(u.user_pseudonym) AS new_users
FROM months m LEFT JOIN ({users}) u ON u.created_month = m.month
GROUP BY m.month ORDER BY m.month
