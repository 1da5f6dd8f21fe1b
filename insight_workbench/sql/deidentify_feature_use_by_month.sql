-- Usage events and the people behind them per whole month, product and event type; groups of
-- at least $min_cell people. Event types outside the closed vocabulary ($event_types)
-- count as $other; `publishable` is false for a group whose label equals a held identifier
-- (aggregates.py leaves it out, and counts it).
SELECT *, _publishable(event_type) AND _publishable(product) AS publishable FROM (
    SELECT strftime(ts, '%Y-%m') AS month, product,
           CASE WHEN list_contains($event_types, lower(trim(event_type)))
                THEN lower(trim(event_type)) ELSE $other END AS event_type,
           count(DISTINCT user_id) AS users, count(*) AS events
    FROM usage_events
    WHERE ts < _whole_months_before($as_of)
    GROUP BY ALL
    HAVING count(DISTINCT user_id) >= $min_cell
)
ORDER BY ALL;
