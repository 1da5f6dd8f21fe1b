-- `rows` (one per login or event, with `user_number` and `label`) counted per person and
-- label within its group: `user_number` and `n`, the rows behind them. A label that fewer
-- than $min_cell people are behind, within its group, reads $other: the very name of a
-- rare event type, browser or site could point at a person. Per pooled label,
-- count(DISTINCT user_number) is its people and sum(n) its rows.
-- A fragment: `analyst.usage.common.pooled` fills in the rows, the label column, the
-- grouping columns with it (`keys`) and their join (`on`).
WITH r AS (SELECT {keys}, user_number, count(*) AS n FROM ({rows}) GROUP BY ALL),
sizes AS (SELECT {keys}, count(user_number) AS people FROM r GROUP BY ALL)
SELECT r.* REPLACE (CASE WHEN s.people >= $min_cell THEN r.{label} ELSE $other END
                    AS {label})
FROM r JOIN sizes s ON {on}
