-- Failed logins per $grain (day or hour, UTC), with the accounts and IPs involved,
-- from the failed logins stored apart at load (`iw_failed_logins`).
SELECT date_trunc($grain, ts) AS period,
       count(*) AS failed_logins,
       count(DISTINCT user_id) AS accounts,
       count(DISTINCT ip) AS ips
FROM iw_failed_logins
GROUP BY period
ORDER BY period;
