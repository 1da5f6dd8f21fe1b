"""The analyst's data: pseudonyms, suppression, user agents and usage tables."""
