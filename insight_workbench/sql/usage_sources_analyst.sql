-- The headline figures' people, logins and organisations from the analyst's database (a
-- fragment of usage_headline.sql): a user's number stands for the pseudonym, the same
-- people, counted faster.
every_user AS (SELECT user_number AS person, org_pseudonym AS org_id, deleted FROM users),
l AS (SELECT user_number AS person, ts, success FROM logins),
every_org AS (SELECT org_pseudonym AS org_id, status, product FROM orgs)
