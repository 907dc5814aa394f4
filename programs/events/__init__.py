"""事業と日程: programs and their events, seminar registration with capacity and waitlist, attendance,
the month calendar and .ics files."""
