-- An email address as a subject-access pack matches it: trimmed of any whitespace
-- (Unicode spaces too, as Python's str.strip) and lowercased.
CREATE OR REPLACE TEMP MACRO iw_pack_email(address) AS
    lower(regexp_replace(address, '^[\s\pZ]+|[\s\pZ]+$', '', 'g'));
