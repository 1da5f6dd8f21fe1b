-- The headline figures' people, logins and organisations from a snapshot (a fragment
-- of usage_headline.sql).
every_user AS (SELECT user_id AS person, org_id, deleted_at IS NOT NULL AS deleted FROM users),
l AS (SELECT user_id AS person, ts, success FROM logins),
every_org AS (SELECT org_id, status, product FROM organisations)
