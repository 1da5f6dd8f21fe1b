-- The retention dashboard: every organisation RET-001/RET-002 judges, its due instant,
-- how far past it or how long before it as_of is, and the rows still held per table.
SELECT rule, org_id, name, product, status, reference, reference_at, due_at,
       -- exactly at the due instant: not yet a finding, and no longer falling due later
       CASE WHEN $as_of > due_at AND rows_held > 0 THEN 'overdue'
            WHEN $as_of > due_at THEN 'nothing held'
            WHEN $as_of = due_at THEN 'due now'
            ELSE 'upcoming' END AS state,
       -- in tenths of a day, rounded down: 1 day 23 hours left is 1.9, never 2.0, so
       -- the whole days a page shows (rounded down again) are those of the exact span;
       -- past due with nothing held, nothing is overdue
       CASE WHEN $as_of > due_at AND rows_held > 0
            THEN floor(epoch(CAST($as_of AS TIMESTAMPTZ) - due_at) / 8640) / 10 END
           AS days_overdue,
       CASE WHEN $as_of <= due_at
            THEN floor(epoch(due_at - CAST($as_of AS TIMESTAMPTZ)) / 8640) / 10 END
           AS days_left,
       -- the rows held per table of personal data, then rows_held
       * EXCLUDE (rule, org_id, name, product, status, reference, reference_at, due_at)
FROM iw_retention_deadlines($closed_days, $potential_months)
ORDER BY due_at, org_id, rule;
