-- How a held identifier (a name, user id or login IP address) is compared with a value:
-- trimmed of white space, in one Unicode form (NFC: an `é` typed as one character or as
-- `e` and a combining accent is the same letter to a reader), and without case, a final
-- sigma as any sigma (lower-casing
-- `ΚΏΣΤΑΣ` gives `κώστασ`, while `Κώστας` keeps its `ς`) and an `i` with a combining dot
-- above as an `i` (DuckDB lower-cases `İ` to `i`, Python and JavaScript to `i` and the
-- dot). DEID-001 compares so, and
-- `deidentify` leaves out a label equal to a held identifier so compared.
-- White space is Unicode's, as Python's `str.strip` has it: a no-break space or a vertical
-- tab pasted beside a name is trimmed too (`\s` alone is ASCII's).
CREATE OR REPLACE TEMP MACRO iw_trim(x) AS regexp_replace(
    x, '^[\s\v\p{Z}\x{85}\x{1c}-\x{1f}]+|[\s\v\p{Z}\x{85}\x{1c}-\x{1f}]+$', '', 'g');
CREATE OR REPLACE TEMP MACRO iw_caseless(x) AS
    replace(replace(lower(nfc_normalize(x)), 'ς', 'σ'), 'i' || chr(775), 'i');  -- U+0307: dot
-- The texts inside a nested value written as JSON (a Parquet struct, map or list, as the
-- loader writes one): every scalar, each trimmed, and, when `keyed` (the column holds a
-- map, whose keys are data), every key of an object; a list's positions are not texts.
-- One pass over the document; NULL for what is neither.
CREATE OR REPLACE TEMP MACRO iw_json_texts(doc, keyed) AS TABLE
    SELECT iw_trim(unnest([
        CASE WHEN j.type NOT IN ('OBJECT', 'ARRAY', 'NULL') THEN j.atom ->> '$' END,
        CASE WHEN keyed AND j.key IS NOT NULL AND j.fullkey <> j.path || '[' || j.key || ']'
             THEN j.key END
    ])) AS text
    FROM json_tree(doc) AS j;
