-- Personal data held per user_id (docs/rule-semantics.md): the users row and every row carrying
-- the user_id in logins, usage_events, communications, preferences and (as viewer)
-- admin_views. Subject requests are records of answers, not held user data.
-- Computed once per cursor (a snapshot never changes) and read by every RET rule.
CREATE OR REPLACE TEMP TABLE iw_held AS
SELECT
    user_id,
    count(*) FILTER (WHERE source = 'users') AS users,
    count(*) FILTER (WHERE source = 'logins') AS logins,
    count(*) FILTER (WHERE source = 'usage_events') AS usage_events,
    count(*) FILTER (WHERE source = 'communications') AS communications,
    count(*) FILTER (WHERE source = 'preferences') AS preferences,
    count(*) FILTER (WHERE source = 'admin_views') AS admin_views,
    count(*) AS rows_held
FROM (
    SELECT user_id, 'users' AS source FROM users
    UNION ALL SELECT user_id, 'logins' FROM logins
    UNION ALL SELECT user_id, 'usage_events' FROM usage_events
    UNION ALL SELECT user_id, 'communications' FROM communications
    UNION ALL SELECT user_id, 'preferences' FROM preferences
    UNION ALL SELECT viewer_user_id, 'admin_views' FROM admin_views
) AS held
WHERE user_id IS NOT NULL
GROUP BY user_id;
