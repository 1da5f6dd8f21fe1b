-- The analyst database's usage events: time, product and event type (words of the closed
-- vocabularies, else $other) and the user's number.
SELECT e.ts, iw_closed(e.product, $products, $other) AS product,
       iw_closed(e.event_type, $event_types, $other) AS event_type, p.user_number
FROM usage_events e JOIN _people p USING (user_id)
