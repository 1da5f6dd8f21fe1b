-- Remember the clock settings the deadline definitions were made for.
CREATE OR REPLACE TEMP TABLE iw_prepared AS SELECT $calendar AS calendar;
