-- ACC-003 / ACC-004: accounts ($by_ip false) or IP addresses as written in the export
-- ($by_ip true) with at least $threshold failed logins within $window_seconds
-- (inclusive: last ts - first ts <= window). One row per subject: its densest window.
-- Reads the failed logins stored apart at load (`iw_failed_logins`), not `logins`.
WITH failed AS (
    -- Failures on unknown accounts (NULL user_id) count for their IP.
    SELECT subject, ts FROM (
        SELECT CASE WHEN $by_ip THEN ip ELSE user_id END AS subject, ts
        FROM iw_failed_logins
    ) WHERE subject IS NOT NULL
),
-- Cheap first pass: a subject qualifies when some failure's ($threshold - 1)-th
-- successor lies inside the window.
flagged AS (
    SELECT DISTINCT subject FROM (
        SELECT subject, ts,
               lead(ts, $threshold - 1) OVER (PARTITION BY subject ORDER BY ts) AS nth
        FROM failed
    ) WHERE nth - ts <= to_seconds($window_seconds)
),
-- Second pass, on flagged subjects only: every window that starts at a failure.
windows AS (
    SELECT f.subject, f.ts AS first_ts,
           count(*) OVER w AS failures,
           max(f.ts) OVER w AS last_ts
    FROM failed AS f SEMI JOIN flagged AS g ON g.subject = f.subject
    WINDOW w AS (PARTITION BY f.subject ORDER BY f.ts
                 RANGE BETWEEN CURRENT ROW AND to_seconds($window_seconds) FOLLOWING)
)
-- The densest window; among equally dense ones, the earliest.
SELECT subject,
       max(failures) AS failures,
       arg_max(first_ts, (failures, -epoch_us(first_ts))) AS first_ts,
       arg_max(last_ts, (failures, -epoch_us(first_ts))) AS last_ts
FROM windows
GROUP BY subject
ORDER BY subject
