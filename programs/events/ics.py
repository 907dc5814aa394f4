"""A program's schedule, or one event, as an iCalendar file (RFC 5545), built with ``icalendar``
(escaping, 75-octet folding, CRLF; see ``dxcommunity.ui.ics``).

A live session is a VEVENT with DTSTART/DTEND in UTC (DTEND left out when the end time is unknown). An
on-demand window is an all-day VEVENT: DTSTART;VALUE=DATE = first day, DTEND;VALUE=DATE = the day after
the last day (DTEND is exclusive for dates). UIDs are stable (consortium, event pk, part) so that a
re-import updates the entries instead of duplicating them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.utils.translation import gettext as _
from icalendar import Event as VEvent

from dxcommunity.ui.ics import new_calendar, timed_event, utc_now
from programs.events.selectors import event_is_live
from programs.models import Event

PRODID = "-//dxcommunity//事業日程//JA"


def event_uid(*, event: Event, host: str, part: str = "live") -> str:
    """Stable UID of one part (``live`` / ``on-demand``) of an event."""
    return f"dx-event-{event.consortium_id}-{event.pk}-{part}@{host}"


def _components(*, event: Event, url: str, host: str, stamp: dt.datetime) -> list[VEvent]:
    parts = []
    location = event.place or event.online_url
    description = "\n".join(p for p in (event.description, event.online_url, url) if p)
    if event_is_live(event):
        live = timed_event(
            uid=event_uid(event=event, host=host),
            stamp=stamp,
            start=event.starts_at,
            end=event.ends_at or None,
            summary=event.title,
        )
        parts.append(live)
    if event.on_demand_from and event.on_demand_until:
        window = VEvent()
        window.add("uid", event_uid(event=event, host=host, part="on-demand"))
        window.add("dtstamp", stamp)
        window.add("dtstart", event.on_demand_from)
        window.add("dtend", event.on_demand_until + dt.timedelta(days=1))
        window.add("summary", _("【オンデマンド配信】%(title)s") % {"title": event.title})
        window.add("transp", "TRANSPARENT")  # a viewing window does not block the day
        parts.append(window)
    for part in parts:
        if location:
            part.add("location", location)
        part.add("description", description)
        part.add("url", url)
        part.add("categories", [event.get_kind_display()])
    return parts


def events_ics(*, name: str, events: Iterable[Event], url_of: Callable[[Event], str], host: str) -> bytes:
    """``events`` as one .ics (UTF-8, CRLF). ``url_of(event)``: the absolute URL of the event page;
    ``host``: the domain part of the UIDs; ``name``: the calendar name (X-WR-CALNAME)."""
    cal = new_calendar(prodid=PRODID, name=name)
    stamp = utc_now()
    for event in events:
        for part in _components(event=event, url=url_of(event), host=host, stamp=stamp):
            cal.add_component(part)
    return cal.to_ical()
