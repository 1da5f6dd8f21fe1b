-- Accounts (not deleted, created by $as_of's month) with no successful login in the
-- window (never logged in included), by product: product, accounts, dormant.
-- `logins`: the window's logins; `users`: the users.
WITH seen AS (SELECT DISTINCT user_number FROM ({logins})),
accounts AS (SELECT * FROM ({users})
             WHERE NOT deleted AND created_month <= CAST($as_of AS DATE))
SELECT g.product, count(a.user_number) AS accounts,
       count(a.user_number) FILTER (WHERE s.user_number IS NULL) AS dormant
FROM unnest($products) g(product)
LEFT JOIN accounts a ON a.product = g.product
LEFT JOIN seen s ON s.user_number = a.user_number
WHERE CAST($product AS VARCHAR) IS NULL OR g.product = $product
GROUP BY g.product ORDER BY g.product
