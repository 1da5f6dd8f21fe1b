-- Usage events of the window per product and event type: product, event_type, users,
-- events; rare event types pooled as $other. `pooled`: the window's events counted per
-- person, event type and product (`analyst.usage.common.pooled`).
SELECT product, event_type, count(DISTINCT user_number) AS users,
       CAST(sum(n) AS BIGINT) AS events
FROM ({pooled})
GROUP BY product, event_type
ORDER BY product, event_type = $other, events DESC, event_type
