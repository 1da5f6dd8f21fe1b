-- The analyst database's logins: the user's number (not a 22-character pseudonym on
-- every row), the address's network, browser and operating system families, the
-- referrer's domain (a word of $referrers, $direct without one, else $other; user info
-- and paths dropped), the UTC day and the London weekday and hour.
WITH hosts AS (
    SELECT referrer, regexp_extract(lower(trim(referrer)), '^(?:[a-z][a-z0-9+.\-]*://|mailto:)?(?:[^/?#@]*@)?(\[[^\]]*\]|[^/?#:\s]*)', 1) AS host
    FROM (SELECT DISTINCT referrer FROM logins WHERE trim(referrer) <> '')),
domains AS (
    SELECT referrer, regexp_replace(rtrim(host, '.'), '^www\.', '') AS domain
    FROM hosts)
SELECT l.ts, l.success, n.ip_network,
       coalesce(a.browser_family, $unknown) AS browser_family,
       coalesce(a.os_family, $unknown) AS os_family,
       CASE WHEN d.referrer IS NULL THEN $direct
            WHEN list_contains($referrers, d.domain) THEN d.domain
            ELSE $other END AS referrer_domain,
       p.user_number, p.org_product,
       CAST(timezone('UTC', l.ts) AS DATE) AS day,
       CAST(isodow(timezone($london, l.ts)) AS TINYINT) AS london_weekday,
       CAST(hour(timezone($london, l.ts)) AS TINYINT) AS london_hour,
       p.first_login_month
FROM logins l
LEFT JOIN _people p ON p.user_id = l.user_id
LEFT JOIN _ip_networks n ON n.ip = l.ip
LEFT JOIN _agents a ON a.user_agent = l.user_agent
LEFT JOIN domains d ON d.referrer = l.referrer
