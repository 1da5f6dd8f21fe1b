-- The headline usage figures (`analyst.usage.headline`), from either source: `sources`
-- defines its people (every_user), their logins (l) and organisations (every_org), from
-- the DPO's snapshot (usage_sources_snapshot.sql) or the analyst's database
-- (usage_sources_analyst.sql), so both show the same numbers. One product's when
-- $product is set; the window is ($start, $as_of], and $since starts the longest window.
WITH {sources},
o AS (SELECT * FROM every_org
      WHERE CAST($product AS VARCHAR) IS NULL OR product = $product),
u AS (SELECT * FROM every_user
      WHERE CAST($product AS VARCHAR) IS NULL OR org_id IN (SELECT org_id FROM o)),
ok AS (SELECT person, ts FROM l WHERE success AND ts > $since AND ts <= $as_of
       AND (CAST($product AS VARCHAR) IS NULL OR person IN (SELECT person FROM u))),
-- One pass over the logins of the longest window ($since): each person's last login
-- says in which windows they were active.
people AS (SELECT person, max(ts) AS last, count(*) FILTER (WHERE ts > $start) AS n
           FROM ok GROUP BY person),
counted AS (
  SELECT count(person) FILTER (WHERE last > $start) AS active,
         CAST(coalesce(sum(n), 0) AS BIGINT) AS logins,
         count(person) FILTER (WHERE last > $as_of - INTERVAL 30 DAY) AS mau,
         count(person) FILTER (WHERE last > $as_of - INTERVAL 7 DAY) AS wau,
         count(person) FILTER (WHERE last > $as_of - INTERVAL 1 DAY) AS dau
  FROM people)
SELECT
  (SELECT count(*) FROM u WHERE NOT deleted) AS users,
  counted.*,
  (SELECT count(*) FROM o WHERE status = 'active') AS active_orgs,
  (SELECT count(*) FROM u JOIN o USING (org_id)
   WHERE o.status = 'active' AND NOT u.deleted) AS users_of_active_orgs,
  (SELECT map(list(status), list(n)) FROM (SELECT status, count(*) AS n FROM o
                                             GROUP BY status)) AS organisations
FROM counted
