-- The calendar of no year: the clock's macros are defined over it before the years are
-- known (`deadlines.uk_calendar`).
CREATE OR REPLACE TEMP TABLE iw_calendar (
    day DATE, working BOOLEAN, closed_because VARCHAR, next_working DATE, moved_because VARCHAR
)
