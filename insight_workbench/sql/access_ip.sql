-- One IP address's facts for its record on Access monitoring, where no burst names it:
-- its logins, successful and failed, the accounts they were on, the first and last.
-- An address as written (as ACC-004 groups them); no row for one that never logged in.
SELECT ip,
       count(*) FILTER (WHERE success) AS logins,
       count(*) FILTER (WHERE NOT success) AS failed_logins,
       count(DISTINCT user_id) AS accounts,
       min(ts) AS first_seen,
       max(ts) AS last_seen
FROM logins WHERE ip = $ip GROUP BY ip
