-- ACC-005: an organisation's user list opened by someone who is not a group_admin
-- of that same organisation. A viewer with no users row is not a group admin.
SELECT v.view_id, v.ts AS ts,
       v.viewer_user_id, v.org_id,
       u.org_id AS viewer_org_id, u.role AS viewer_role,
       CASE
           WHEN u.user_id IS NULL THEN 'unknown_viewer'
           WHEN u.role <> 'group_admin' THEN 'not_group_admin'
           ELSE 'other_organisation'
       END AS reason
FROM admin_views AS v
LEFT JOIN users AS u ON u.user_id = v.viewer_user_id
WHERE u.user_id IS NULL
   OR u.role <> 'group_admin'
   OR u.org_id IS DISTINCT FROM v.org_id
ORDER BY v.view_id
