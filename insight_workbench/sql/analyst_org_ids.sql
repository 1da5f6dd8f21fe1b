-- Every organisation id the snapshot names, in organisations or on a user.
SELECT org_id FROM organisations UNION SELECT org_id FROM users
