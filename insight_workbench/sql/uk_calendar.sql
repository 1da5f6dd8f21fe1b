-- The working-day calendar of the subject-request clock (`deadlines.uk_calendar`): every
-- day of $years and the year after, whether it is a working day, why not (a weekend, or
-- the bank holiday of $holiday_days named in $holiday_names), the next working day and
-- why a date falling there moves. Temporary: it belongs to one cursor.
CREATE OR REPLACE TEMP TABLE iw_calendar AS
WITH years AS (SELECT unnest(CAST($years AS INTEGER[])) AS y),
days AS (
    SELECT DISTINCT CAST(unnest(range(make_date(y, 1, 1), make_date(y + 2, 1, 1),
                                      INTERVAL 1 DAY)) AS DATE) AS day
    FROM years
),
bank_holidays AS (
    SELECT unnest(CAST($holiday_days AS DATE[])) AS day,
           unnest(CAST($holiday_names AS VARCHAR[])) AS name
),
marked AS (
    SELECT d.day,
           coalesce(h.name, CASE isodow(d.day) WHEN 6 THEN 'Saturday'
                                               WHEN 7 THEN 'Sunday' END) AS closed_because
    FROM days d LEFT JOIN bank_holidays h USING (day)
),
stepped AS (
    SELECT day, closed_because,
           min(day) FILTER (WHERE closed_because IS NULL) OVER (
               ORDER BY day ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS next_working
    FROM marked
)
SELECT day, closed_because IS NULL AS working, closed_because, next_working,
       -- why a date falling here moves: every closed day from here to the next working day
       array_to_string(list(closed_because) FILTER (WHERE closed_because IS NOT NULL) OVER (
           PARTITION BY next_working ORDER BY day
           ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING), ', ') AS moved_because
FROM stepped
