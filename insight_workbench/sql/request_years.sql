-- The years the subject requests' due dates can fall in: the UK clock is installed
-- for those years only.
SELECT DISTINCT year(iw_sar_period_end(received_at, clock_started_at, extended, $tz,
                                       $months, $extended_months)) AS y
FROM subject_requests;
