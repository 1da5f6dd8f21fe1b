-- The analyst database's usage events: time, product and event type (words of the closed
-- vocabularies, else $other) and the user's number.
SELECT e.ts, CASE WHEN list_contains($products, lower(trim(e.product))) THEN lower(trim(e.product)) ELSE $other END AS product,
       CASE WHEN list_contains($event_types, lower(trim(e.event_type))) THEN lower(trim(e.event_type)) ELSE $other END AS event_type, p.user_number
FROM usage_events e JOIN _people p USING (user_id)
