-- Whether the policy's periods carry a due date past the last day the workbench can
-- write (31 Dec 9999): the data stops at year 9998, but a long period added to a late
-- date would not. One flag per setting, so the refusal can name it. Instants are
-- compared with $last, dates with $last_day.
SELECT
    (SELECT max(closed_at) FROM organisations)
        + to_days(CAST($closed_days AS INTEGER)) > $last AS closed_days,
    (SELECT max(last_contact_at) FROM organisations WHERE status IN ('demo', 'trial'))
        + to_months(CAST($potential_months AS INTEGER)) > $last AS potential_months,
    CAST((SELECT max(greatest(assessment_date, last_review_date)) FROM processors)
        + to_months(CAST($review_months AS INTEGER)) AS DATE) > $last_day AS review_months;
