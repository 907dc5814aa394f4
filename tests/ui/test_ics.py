"""iCalendar helpers (dxcommunity.ui.ics)."""

from __future__ import annotations

import datetime as dt

from django.test import RequestFactory
from icalendar import Calendar

from dxcommunity.ui.ics import ics_response, new_calendar, timed_event, uid_host

JST = dt.timezone(dt.timedelta(hours=9))


def test_a_named_calendar_with_one_timed_event_in_utc():
    cal = new_calendar(prodid="-//dxcommunity//test//JA", name="令和4年度, 事業")
    cal.add_component(
        timed_event(
            uid="dx-event-1-2-live@dx.example.jp",
            start=dt.datetime(2022, 7, 5, 14, 0, tzinfo=JST),
            end=None,
            summary="DXセミナー; 第1回",
        )
    )
    text = cal.to_ical().decode()

    assert "METHOD:PUBLISH" in text and "X-WR-CALNAME:令和4年度\\, 事業" in text
    assert "X-WR-TIMEZONE:Asia/Tokyo" in text
    assert "DTSTART:20220705T050000Z" in text and "DTEND" not in text
    assert "SUMMARY:DXセミナー\\; 第1回" in text and "\r\n" in text
    event = Calendar.from_ical(text).walk("VEVENT")[0]
    assert str(event["uid"]) == "dx-event-1-2-live@dx.example.jp" and event.get("dtstamp") is not None


def test_unnamed_calendar_has_no_calendar_name():
    text = new_calendar(prodid="-//x//y//JA").to_ical().decode()
    assert "X-WR-CALNAME" not in text and "PRODID:-//x//y//JA" in text


def test_download_response_and_uid_host(settings):
    settings.ALLOWED_HOSTS = ["dx.example.jp"]
    response = ics_response(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", filename="program-3.ics")

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="program-3.ics"'
    assert uid_host(RequestFactory().get("/", HTTP_HOST="dx.example.jp:8443")) == "dx.example.jp"
