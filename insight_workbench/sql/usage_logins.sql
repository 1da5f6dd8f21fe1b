-- Successful logins of the window (its start `since`, up to $as_of), with what the
-- analyst database derived for each: the user's number, the day, the London hour of the
-- week, the cohort. A fragment: `analyst.usage.common.logins` fills in where the window
-- starts and, for one product, `of_product` (the product of the user's organisation,
-- stored with each login).
SELECT l.ts, l.user_number, l.browser_family, l.os_family, l.referrer_domain,
       l.day, l.london_weekday, l.london_hour, l.first_login_month
FROM logins l WHERE l.success AND {since} AND l.ts <= $as_of{of_product}
