-- Every processor with its latest evaluation (the later of assessment and review) and
-- the date the next review falls due. TPP-002 and the schedule read this computation.
CREATE OR REPLACE TEMP MACRO iw_processor_reviews(review_months) AS TABLE
SELECT
    processor_id, name, service, contract_start, assessment_date, last_review_date,
    greatest(assessment_date, last_review_date) AS last_evaluated,
    iw_add_months(greatest(assessment_date, last_review_date), review_months) AS next_review
FROM processors;
