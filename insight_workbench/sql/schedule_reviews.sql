-- Schedule: each processor's next review on or after the London date of as_of (overdue
-- reviews are TPP-002 findings; a processor never evaluated is TPP-001).
SELECT processor_id, name, service, last_evaluated, next_review, next_review AS due_day
FROM iw_processor_reviews($review_months)
WHERE next_review >= iw_local_date($as_of, $tz);
