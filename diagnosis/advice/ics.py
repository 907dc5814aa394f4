"""The DX診断アドバイス appointment as an iCalendar file (RFC 5545) for the company and the advisor
(built with ``dxcommunity.ui.ics``)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from diagnosis.models import Diagnosis
from dxcommunity.ui.ics import new_calendar, timed_event

ADVICE_DURATION = dt.timedelta(hours=3)  # DX診断アドバイス: about 3 hours
PRODID = "-//dxcommunity//DX診断アドバイス//JA"


def advice_uid(*, diagnosis: Diagnosis, host: str) -> str:
    """Stable UID: the same appointment keeps its UID when the date is moved (calendars update it)."""
    return f"dx-advice-{diagnosis.consortium_id}-{diagnosis.pk}@{host}"


def advice_ics(*, diagnosis: Diagnosis, url: str, host: str) -> bytes:
    """The appointment as .ics bytes (UTF-8, CRLF). ``diagnosis.advice_scheduled_at`` must be set
    (else ``ValueError``). DTSTART/DTEND in UTC, 3 hours; SUMMARY 「DX診断アドバイス <会社名>」;
    LOCATION = ``advice_place`` (or the mode when empty); URL and DESCRIPTION = the result page ``url``.
    """
    start = diagnosis.advice_scheduled_at
    if start is None:
        raise ValueError("The advice date is not fixed yet.")
    cal = new_calendar(prodid=PRODID)
    event = timed_event(
        uid=advice_uid(diagnosis=diagnosis, host=host),
        start=start,
        end=start + ADVICE_DURATION,
        summary=_("DX診断アドバイス %(company)s") % {"company": diagnosis.company.name},
    )
    location = diagnosis.advice_place or diagnosis.get_advice_mode_display()
    if location:
        event.add("location", location)
    event.add("url", url)
    event.add("description", _("DX自己診断の結果: %(url)s") % {"url": url})
    cal.add_component(event)
    return cal.to_ical()
