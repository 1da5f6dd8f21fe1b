-- COM-001: a product_update or promotional message sent while the user's latest
-- preference for that category, changed at least grace_hours before sending, was an
-- opt-out. Two changes at the same instant: an opt-out among them wins.
WITH considered AS (
    SELECT m.message_id, m.user_id, m.category, m.sent_at,
           p.changed_at, p.opted_out, p.channel,
           rank() OVER (PARTITION BY m.message_id ORDER BY p.changed_at DESC) AS recency
    FROM communications AS m
    JOIN preferences AS p
      ON p.user_id = m.user_id
     AND p.category = m.category
     AND p.changed_at <= m.sent_at - to_hours(CAST($grace_hours AS INTEGER))
    WHERE m.category IN ('product_update', 'promotional')
)
SELECT message_id, user_id, category, sent_at,
       max(changed_at) AS opted_out_at,
       min(channel) FILTER (WHERE opted_out) AS channel
FROM considered
WHERE recency = 1
GROUP BY message_id, user_id, category, sent_at
HAVING bool_or(opted_out)
ORDER BY message_id;
