-- Definitions for the aggregate datasets of `deidentify` (deidentification/aggregates.py).

-- Labels (organisation ids, event types) that must never be published: those equal
-- to a held identifier, trimmed and lower-cased. Computed for the few distinct labels.
CREATE OR REPLACE TEMP TABLE _labels AS
SELECT DISTINCT lower(trim(v)) AS v FROM (
    SELECT org_id AS v FROM organisations
    UNION ALL SELECT DISTINCT event_type FROM usage_events) WHERE v IS NOT NULL;
CREATE OR REPLACE TEMP TABLE _held AS
SELECT v FROM _labels WHERE v IN (
    SELECT lower(trim(x)) FROM (SELECT user_id AS x FROM users UNION ALL
        SELECT name FROM users UNION ALL SELECT email FROM users))
UNION SELECT b.v FROM _labels b JOIN logins l ON lower(trim(l.ip)) = b.v;
CREATE OR REPLACE TEMP TABLE _phones AS
SELECT DISTINCT regexp_replace(telephone, '[^0-9]', '', 'g') AS digits FROM users
WHERE length(regexp_replace(telephone, '[^0-9]', '', 'g')) >= 7;
CREATE OR REPLACE TEMP MACRO _publishable(x) AS
    lower(trim(x)) NOT IN (SELECT v FROM _held)
    AND NOT regexp_matches(x, '[^\s@]+@[^\s@]+\.[^\s@]+')
    AND NOT regexp_full_match(trim(x), '[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*')
    AND regexp_replace(x, '[^0-9]', '', 'g') NOT IN (SELECT digits FROM _phones);

-- Successful logins up to as_of, with the user's organisation and its product.
CREATE OR REPLACE TEMP MACRO _successful_logins(as_of) AS TABLE
    SELECT strftime(l.ts, '%Y-%m') AS month, l.user_id, u.org_id, o.product
    FROM logins l JOIN users u ON u.user_id = l.user_id
    JOIN organisations o ON o.org_id = u.org_id
    WHERE l.success AND l.ts <= as_of;
