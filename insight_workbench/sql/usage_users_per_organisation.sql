-- Users (not deleted) of each `active` organisation, by product: product,
-- organisations, users. Status is as exported.
SELECT o.product, count(DISTINCT o.org_pseudonym) AS organisations,
       count(u.user_pseudonym) AS users
FROM orgs o LEFT JOIN users u ON u.org_pseudonym = o.org_pseudonym AND NOT u.deleted
WHERE o.status = 'active' AND (CAST($product AS VARCHAR) IS NULL OR o.product = $product)
GROUP BY o.product ORDER BY o.product
