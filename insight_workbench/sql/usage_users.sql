-- Users of the analyst database (deleted ones too) with their organisation's product and
-- status; of one product when $product is set. A fragment of the usage queries.
SELECT u.*, o.product, o.status
FROM users u LEFT JOIN orgs o ON o.org_pseudonym = u.org_pseudonym
WHERE CAST($product AS VARCHAR) IS NULL OR o.product = $product
