-- The processors register of the Communications page: each processor with its
-- assessment, latest evaluation and next review (the TPP rules' own computation).
SELECT r.processor_id, r.name, r.service, p.data_categories, r.contract_start,
       r.assessment_date, r.last_review_date, r.last_evaluated, r.next_review
FROM iw_processor_reviews($review_months) AS r
JOIN processors AS p USING (processor_id)
ORDER BY r.processor_id;
