-- How many users logged in how often in the window: logins (a bucket), users, every
-- bucket shown in order. `logins`: the window's logins.
WITH per_user AS (
    SELECT user_number, count(*) AS n FROM ({logins})
    WHERE user_number IS NOT NULL GROUP BY user_number),
buckets AS (
    SELECT * FROM (VALUES (0, '1', 1, 1), (1, '2-5', 2, 5), (2, '6-10', 6, 10),
                          (3, '11-20', 11, 20), (4, '21-50', 21, 50),
                          (5, '51+', 51, 4611686018427387904)) b(position, logins, lo, hi))
SELECT b.logins, count(u.n) AS users FROM buckets b
LEFT JOIN per_user u ON u.n BETWEEN b.lo AND b.hi
GROUP BY b.position, b.logins ORDER BY b.position
