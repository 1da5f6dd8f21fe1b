-- Personal data held per user_id ("Personal data of a user" in the rules): every table
-- the schema marks with a user column. Subject requests are records of answers, not
-- held user data, so the schema does not mark them.
-- A template: `due_dates.held_fragments()` fills in, from the schema, the count per
-- table (count(*) FILTER (WHERE source = n) AS "table") and the rows of each table
-- (SELECT "user column" AS user_id, n AS source FROM "table", joined by UNION ALL).
-- Computed once per cursor (a snapshot never changes) and read by every RET rule.
CREATE OR REPLACE TEMP TABLE iw_held AS
SELECT
    user_id,
    {counts},
    count(*) AS rows_held
FROM (
    {sources}
) AS held
WHERE user_id IS NOT NULL
GROUP BY user_id;
