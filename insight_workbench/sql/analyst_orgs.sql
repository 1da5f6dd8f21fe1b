-- The analyst database's organisations: pseudonym, product and status (words of the
-- closed vocabularies, else $other), and months instead of dates.
SELECT p.pseudonym AS org_pseudonym, iw_closed(o.product, $products, $other) AS product,
       iw_closed(o.status, $statuses, $other) AS status,
       CAST(date_trunc('month', o.created_at) AS DATE) AS created_month,
       CAST(date_trunc('month', o.subscription_start) AS DATE) AS subscription_start_month,
       CAST(date_trunc('month', o.closed_at) AS DATE) AS closed_month
FROM organisations o JOIN _org_pseudonyms p USING (org_id) ORDER BY org_pseudonym
