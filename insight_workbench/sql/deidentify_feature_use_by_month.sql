-- Usage events and the people behind them per month, product and event type; groups of
-- at least $min_cell people, event types that equal a held identifier left out.
SELECT * FROM (
    SELECT strftime(ts, '%Y-%m') AS month, product, event_type,
           count(DISTINCT user_id) AS users, count(*) AS events
    FROM usage_events
    WHERE ts <= $as_of
    GROUP BY ALL
    HAVING count(DISTINCT user_id) >= $min_cell
)
WHERE _publishable(event_type)
ORDER BY ALL;
