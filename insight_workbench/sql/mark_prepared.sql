-- Remember the clock settings and periods the deadline definitions were made for.
CREATE OR REPLACE TEMP TABLE iw_prepared AS SELECT $calendar AS calendar;
