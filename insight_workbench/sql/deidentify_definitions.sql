-- Definitions for the aggregate datasets of `deidentify` (deidentification/aggregates.py).

-- Labels (organisation ids, products, event types) that must never be published: those
-- equal to a held identifier as DEID-001 compares them (a name, user id or login IP as
-- `identifier_text.sql` says, defined first; an email address by its key, emails.py) or
-- to the hash of one, so that the datasets pass DEID-001 and DEID-002. Computed for the
-- few distinct labels, as published: an event type as the vocabulary maps it (trimmed,
-- lower-cased, or the bucket `other` of analyst/vocabulary.py).
CREATE OR REPLACE TEMP TABLE _labels AS
SELECT DISTINCT v FROM (
    SELECT org_id AS v FROM organisations
    UNION ALL SELECT product FROM organisations
    UNION ALL SELECT DISTINCT lower(trim(event_type)) FROM usage_events
    UNION ALL SELECT 'other') WHERE v IS NOT NULL;
-- Each label as it may be written: the CSV writer puts a `'` before a formula-like one
-- (`=Carol` is published as `'=Carol`, and a user may be named that). Both forms are
-- judged, for every label: judging more than is written only withholds more.
CREATE OR REPLACE TEMP TABLE _forms AS
SELECT v, v AS w FROM _labels UNION ALL SELECT v, '''' || v FROM _labels;
CREATE OR REPLACE TEMP TABLE _held AS
SELECT v FROM _forms WHERE iw_caseless(iw_trim(w)) IN (
    SELECT iw_caseless(iw_trim(x)) FROM (SELECT user_id AS x FROM users UNION ALL
        SELECT name FROM users UNION ALL SELECT DISTINCT ip FROM logins))
UNION SELECT v FROM _forms WHERE iw_email_key(w) IN (SELECT email_key FROM iw_email_keys)
-- an IP address, as DEID-001 reads one (`192.0.2.1`, `2001:db8::1`; `1001` is none)
UNION SELECT v FROM _forms WHERE iw_is_ip_address(iw_trim(w))
-- and, as DEID-002 finds them, the unsalted hashes of a held email or user id
UNION SELECT v FROM _forms
WHERE length(iw_trim(w)) IN (32, 40, 64) AND lower(iw_trim(w)) IN (
    SELECT unnest([md5(x), sha1(x), sha256(x)]) FROM (
        SELECT lower(iw_trim(email)) AS x FROM users
        UNION SELECT iw_trim(email) FROM users
        UNION SELECT iw_unicode_lower(iw_trim(email)) FROM users
            WHERE strlen(email) <> length(email)
        UNION SELECT iw_trim(user_id) FROM users
        UNION SELECT lower(iw_trim(user_id)) FROM users
        UNION SELECT iw_unicode_lower(iw_trim(user_id)) FROM users
            WHERE strlen(user_id) <> length(user_id)) WHERE x <> '');
CREATE OR REPLACE TEMP TABLE _phones AS
SELECT DISTINCT regexp_replace(telephone, '[^0-9]', '', 'g') AS digits FROM users
WHERE length(regexp_replace(telephone, '[^0-9]', '', 'g')) >= 7;
-- (An email address is looked for in the label as written too: the CSV writer puts a
-- `'` before a formula-like label, and `'@example.org` reads as an address.)
CREATE OR REPLACE TEMP MACRO _publishable(x) AS
    x NOT IN (SELECT v FROM _held)
    AND NOT regexp_matches('''' || x, '[^\s@]+@[^\s@]+\.[^\s@]+')
    AND regexp_replace(x, '[^0-9]', '', 'g') NOT IN (SELECT digits FROM _phones);

-- Only whole months are published, those before the month of as_of: two releases made
-- within one month are the same files, so no difference between them is about the few
-- people active between their two as_of times.
CREATE OR REPLACE TEMP MACRO _whole_months_before(as_of) AS date_trunc('month', as_of);

-- Successful logins of the whole months before as_of, with the user's organisation and
-- its product.
CREATE OR REPLACE TEMP MACRO _successful_logins(as_of) AS TABLE
    SELECT strftime(l.ts, '%Y-%m') AS month, l.user_id, u.org_id, o.product
    FROM logins l JOIN users u ON u.user_id = l.user_id
    JOIN organisations o ON o.org_id = u.org_id
    WHERE l.success AND l.ts < _whole_months_before(as_of);
