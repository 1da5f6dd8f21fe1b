-- The layouts saved by an earlier preparation of this cursor, in dataset order.
SELECT layout FROM deid_layouts ORDER BY position;
