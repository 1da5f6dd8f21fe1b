-- Every distinct user agent of the logins, each read into its families once.
SELECT DISTINCT user_agent FROM logins WHERE user_agent IS NOT NULL
