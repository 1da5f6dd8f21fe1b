-- The macros of the subject-request clock, over the calendar of one cursor
-- (`deadlines.uk_calendar` says what each computes).
CREATE OR REPLACE TEMP MACRO iw_local_date(ts, tz) AS CAST(timezone(tz, ts) AS DATE);
CREATE OR REPLACE TEMP MACRO iw_add_months(d, n) AS
    CAST(CAST(d AS DATE) + to_months(CAST(n AS INTEGER)) AS DATE);
CREATE OR REPLACE TEMP MACRO iw_next_working_day(d) AS
    (SELECT c.next_working FROM iw_calendar c WHERE c.day = d);
CREATE OR REPLACE TEMP MACRO iw_moved_because(d) AS
    (SELECT nullif(c.moved_because, '') FROM iw_calendar c WHERE c.day = d);
CREATE OR REPLACE TEMP MACRO iw_sar_months(extended, months, extended_months) AS
    CASE WHEN extended THEN extended_months ELSE months END;
CREATE OR REPLACE TEMP MACRO iw_sar_start(received_at, clock_started_at, tz) AS
    iw_local_date(coalesce(clock_started_at, received_at), tz);
CREATE OR REPLACE TEMP MACRO iw_sar_period_end(received_at, clock_started_at, extended, tz,
                                               months, extended_months) AS
    iw_add_months(iw_sar_start(received_at, clock_started_at, tz),
                  iw_sar_months(extended, months, extended_months));
-- Days the clock stood still waiting for a clarification: from the later of the start
-- and the London date it was asked for, to the London date it came (never negative).
CREATE OR REPLACE TEMP MACRO iw_sar_paused_days(received_at, clock_started_at, tz,
                                                paused_at, resumed_at) AS
    CASE WHEN paused_at IS NULL OR resumed_at IS NULL THEN 0
         ELSE greatest(0, date_diff('day',
             greatest(iw_sar_start(received_at, clock_started_at, tz),
                      iw_local_date(paused_at, tz)),
             iw_local_date(resumed_at, tz))) END;
CREATE OR REPLACE TEMP MACRO iw_sar_clock_end(received_at, clock_started_at, extended, tz,
                                              months, extended_months, paused_at, resumed_at) AS
    CAST(iw_sar_period_end(received_at, clock_started_at, extended, tz, months, extended_months)
         + CAST(iw_sar_paused_days(received_at, clock_started_at, tz, paused_at, resumed_at)
                AS INTEGER) AS DATE);
-- NULL while the clock is stopped: paused and not resumed.
CREATE OR REPLACE TEMP MACRO iw_sar_due(received_at, clock_started_at, extended, tz,
                                        months, extended_months, paused_at, resumed_at) AS
    CASE WHEN paused_at IS NULL OR resumed_at IS NOT NULL
         THEN iw_next_working_day(iw_sar_clock_end(received_at, clock_started_at, extended, tz,
                                                   months, extended_months, paused_at,
                                                   resumed_at)) END;
