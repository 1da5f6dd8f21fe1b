-- Failed logins per $grain (day or hour, UTC), with the accounts and IPs involved.
SELECT date_trunc($grain, ts) AS period,
       count(*) AS failed_logins,
       count(DISTINCT user_id) AS accounts,
       count(DISTINCT ip) AS ips
FROM logins
WHERE NOT success
GROUP BY period
ORDER BY period;
