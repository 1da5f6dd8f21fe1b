-- Each distinct login address once: a plain dotted-quad IPv4 address (no leading zeros)
-- truncated to its /24 here, the bulk of log rows; any other text is left to Python
-- (`analyst.database.ip_network`), once per distinct value.
SELECT ip, CASE WHEN regexp_full_match(trim(ip), '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])')
                THEN regexp_replace(trim(ip), '[0-9]+$', '0/24') END AS ip_network
FROM (SELECT DISTINCT ip FROM logins WHERE ip IS NOT NULL)
