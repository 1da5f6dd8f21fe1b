-- How a held identifier (a name, user id or login IP address) is compared with a value:
-- trimmed of white space and without case, a final sigma as any sigma (lower-casing
-- `ΚΏΣΤΑΣ` gives `κώστασ`, while `Κώστας` keeps its `ς`). DEID-001 compares so, and
-- `deidentify` leaves out a label equal to a held identifier so compared.
CREATE OR REPLACE TEMP MACRO iw_trim(x) AS regexp_replace(x, '^\s+|\s+$', '', 'g');
CREATE OR REPLACE TEMP MACRO iw_caseless(x) AS replace(lower(x), 'ς', 'σ');
