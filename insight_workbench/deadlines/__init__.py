"""Due dates: the UK calendar, the due-date macros, retention and the schedule."""
