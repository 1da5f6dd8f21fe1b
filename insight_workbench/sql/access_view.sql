-- One user-list view's facts for its record on Access monitoring, where no rule names
-- it: who viewed which organisation's list, and the viewer's own organisation and role.
SELECT v.view_id, v.ts, v.viewer_user_id, v.org_id, u.org_id AS viewer_org_id,
       u.role AS viewer_role
FROM admin_views AS v LEFT JOIN users AS u ON u.user_id = v.viewer_user_id
WHERE v.view_id = $view_id
