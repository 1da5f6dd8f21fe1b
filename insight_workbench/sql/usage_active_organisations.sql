-- Organisations per product and status (at export), and how many had a successful login
-- in the window, every product and status shown. `logins`: the window's logins.
WITH active AS (SELECT DISTINCT org_pseudonym FROM users
                WHERE user_number IN (SELECT user_number FROM ({logins}))),
grid AS (SELECT * FROM unnest($products) a(product),
         unnest($statuses) b(status))
SELECT g.product, g.status, count(o.org_pseudonym) AS organisations,
       count(a.org_pseudonym) AS active_organisations
FROM grid g LEFT JOIN orgs o ON o.product = g.product AND o.status = g.status
LEFT JOIN active a ON a.org_pseudonym = o.org_pseudonym
WHERE CAST($product AS VARCHAR) IS NULL OR g.product = $product
GROUP BY g.product, g.status ORDER BY g.product, list_position($statuses, g.status)
