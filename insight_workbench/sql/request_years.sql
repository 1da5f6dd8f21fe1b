-- The years a request's clock can end in ($tz, $months, $extended_months): its period's
-- end when the clock was not stopped at as_of (a clarification asked for only later),
-- and its pause's end when the clarification arrives, or (not arrived by as_of) when the
-- request was closed; the calendar covers them all.
SELECT DISTINCT year(iw_sar_clock_end(received_at, clock_started_at, extended, $tz, $months,
                                      $extended_months, clarification_requested_at, resumed)) AS y
FROM (SELECT *, CAST(NULL AS TIMESTAMPTZ) AS resumed FROM subject_requests
      UNION ALL BY NAME
      SELECT *, clarification_received_at AS resumed FROM subject_requests
      UNION ALL BY NAME
      SELECT *, completed_at AS resumed FROM subject_requests);
