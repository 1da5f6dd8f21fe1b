-- TPP-002: the latest evaluation (assessment or review) is more than review_months
-- calendar months before the London date of as_of. Neither date: TPP-001 only.
SELECT *, date_diff('day', next_review, iw_local_date($as_of, $tz)) AS days_overdue
FROM iw_processor_reviews($review_months)
WHERE next_review < iw_local_date($as_of, $tz)
ORDER BY processor_id;
