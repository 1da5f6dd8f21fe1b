-- Defined on the snapshot cursor that builds the analyst database: a value of a closed
-- vocabulary is the word of `words` it is (trimmed and lower-cased), else `other`.
CREATE OR REPLACE TEMP MACRO iw_closed(value, words, other) AS
    CASE WHEN list_contains(words, lower(trim(value))) THEN lower(trim(value)) ELSE other END;
