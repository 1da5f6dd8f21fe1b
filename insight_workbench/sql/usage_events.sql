-- Usage events of the window ($start, $as_of], of one product when $product is set.
-- A fragment of the usage queries.
SELECT user_number, product, event_type FROM usage_events
WHERE ts > $start AND ts <= $as_of
  AND (CAST($product AS VARCHAR) IS NULL OR product = $product)
