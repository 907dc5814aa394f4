"""iCalendar files (RFC 5545) built with the ``icalendar`` package, which escapes commas, semicolons,
backslashes and newlines in TEXT values, folds lines at 75 octets (never inside a UTF-8 character) and
ends every line with CRLF."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from icalendar import Calendar, Event

ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"


def new_calendar(*, prodid: str, name: str | None = None) -> Calendar:
    """An empty VCALENDAR (version 2.0, Gregorian, METHOD:PUBLISH) with ``prodid``; with ``name``, also
    X-WR-CALNAME and X-WR-TIMEZONE (the site's time zone) for calendar apps that show a name."""
    cal = Calendar()
    cal.add("prodid", prodid)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name is not None:
        cal.add("x-wr-calname", name)
        cal.add("x-wr-timezone", settings.TIME_ZONE)
    return cal


def utc_now() -> dt.datetime:
    """Now in UTC, for DTSTAMP."""
    return timezone.now().astimezone(dt.UTC)


def timed_event(
    *, uid: str, start: dt.datetime, end: dt.datetime | None, summary: str, stamp: dt.datetime | None = None
) -> Event:
    """A VEVENT with UID, DTSTAMP (``stamp``, default now), DTSTART and DTEND (left out when ``end`` is
    None) in UTC, and SUMMARY. ``start`` / ``end``: aware datetimes. Add LOCATION, URL, … to the result."""
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp or utc_now())
    event.add("dtstart", start.astimezone(dt.UTC))
    if end is not None:
        event.add("dtend", end.astimezone(dt.UTC))
    event.add("summary", summary)
    return event


def uid_host(request: HttpRequest) -> str:
    """The domain part of UIDs: the request's host without its port."""
    return request.get_host().split(":")[0]


def ics_response(body: bytes, *, filename: str) -> HttpResponse:
    """``body`` (``Calendar.to_ical()``) as a download named ``filename`` (ASCII, e.g. "program-3.ics")."""
    response = HttpResponse(body, content_type=ICS_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
