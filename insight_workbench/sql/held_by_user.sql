-- Personal data held per user_id ("Personal data of a user" in the rules): every table
-- the schema marks with a user column. Subject requests are records of answers, not
-- held user data, so the schema does not mark them.
-- A template: `loading.held_rows.held_fragments()` fills in, from the schema, the rows per
-- user_id of each table (h<n> AS (SELECT "user column" AS user_id, count(*) AS n ...)),
-- every user_id of them (SELECT user_id FROM h<n>, joined by UNION), the count per
-- table (coalesce(h<n>.n, 0) AS "table"), their sum, and the joins of the h<n>.
-- Each table is grouped on its own: far cheaper than grouping the union of all rows.
-- Stored in the workspace when it is built (a snapshot never changes) and read by every
-- RET rule, the schedule and the ledger.
CREATE TABLE iw_held AS
WITH {per_table},
held_ids AS (
    {ids}
)
SELECT
    user_id,
    {counts},
    {total} AS rows_held
FROM held_ids
{joins};
