-- One login's facts for its record on Access monitoring, where no rule names it.
SELECT login_id, user_id, ts, success, ip FROM logins WHERE login_id = $login_id
