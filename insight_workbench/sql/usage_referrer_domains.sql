-- Where the window's successful logins came from: referrer_domain, users, logins. A
-- domain used by fewer than $min_cell people, or beyond the $top most used, is pooled
-- into $other: a rare domain's very name could point at a person.
-- `logins`: the window's logins.
WITH l AS (SELECT referrer_domain AS domain, user_number, count(*) AS n
           FROM ({logins}) GROUP BY ALL),
ranked AS (
    SELECT domain, count(user_number) AS users,
           row_number() OVER (ORDER BY domain = $other, count(user_number) DESC,
                              sum(n) DESC, domain) AS position
    FROM l GROUP BY domain),
named AS (
    SELECT l.user_number, l.n, CASE WHEN r.users >= $min_cell AND r.position <= $top
                                    THEN r.domain ELSE $other END AS referrer_domain
    FROM l JOIN ranked r USING (domain))
SELECT referrer_domain, count(DISTINCT user_number) AS users,
       CAST(sum(n) AS BIGINT) AS logins
FROM named GROUP BY referrer_domain
ORDER BY referrer_domain = $other, users DESC, referrer_domain
