"""事業と日程: programs, events, registration with capacity and waitlist, attendance, the
calendar and the .ics files."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from dxcommunity.tenancy.models import Membership, Region
from programs.events import selectors as sel
from programs.events import services
from programs.events.forms import EventForm, ProgramForm
from programs.models import Event, Program, SeminarRegistration
from tests.conftest import add_member, give_totp, make_user
from tests.two_writers import with_version

pytestmark = pytest.mark.django_db

Status = SeminarRegistration.Status
JST = dt.timezone(dt.timedelta(hours=9))


def url(name, cast, **kwargs):
    return reverse(name, kwargs={"consortium_slug": cast.consortium.slug, **kwargs})


def future(days=10, hour=14):
    return (timezone.localtime() + dt.timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )


def make_event(cast, **kwargs):
    kwargs.setdefault("kind", Event.Kind.DX_SEMINAR)
    kwargs.setdefault("title", "DXセミナー(1)")
    kwargs.setdefault("starts_at", future())
    kwargs.setdefault("ends_at", kwargs["starts_at"] + dt.timedelta(hours=2))
    return Event.objects.create(consortium=cast.consortium, program=cast.program, **kwargs)


def register(event, n, **kwargs):
    return services.seminar_register(event=event, name=f"参加者{n}", email=f"p{n}@example.com", **kwargs)


@pytest.fixture
def regional(cast):
    """A regional coordinator (地域まとめ) of 茨城 with TOTP."""
    user = make_user("regional@example.com", "地域 まとめ")
    add_member(cast.consortium, user, Membership.Role.REGIONAL_COORDINATOR, region=cast.ibaraki)
    give_totp(user)
    return user


# --- registration: capacity, waitlist, promotion ----------------------------------------------------


def with_window(**kwargs):
    today = timezone.localdate()
    return {"on_demand_from": today, "on_demand_until": today + dt.timedelta(days=30), **kwargs}


def test_over_capacity_goes_to_waitlist_and_cancel_promotes_the_first(cast):
    event = make_event(cast, **with_window(capacity=2))
    a, b = register(event, 1), register(event, 2)
    assert a.position is None and b.position is None
    c, d = register(event, 3), register(event, 4)
    assert (c.registration.status, c.position) == (Status.WAITLISTED, 1)
    assert (d.registration.status, d.position) == (Status.WAITLISTED, 2)
    # On demand never takes (nor waits for) a live seat.
    e = register(event, 5, on_demand=True)
    assert e.registration.status == Status.REGISTERED and e.position is None

    promoted = services.registration_cancel(registration=a.registration)
    assert promoted.pk == c.registration.pk
    c.registration.refresh_from_db()
    d.registration.refresh_from_db()
    assert c.registration.status == Status.REGISTERED
    assert sel.waitlist_position(registration=d.registration) == 1
    assert sel.registration_counts(event=event) | {} == {
        "live": 2,
        "on_demand": 1,
        "registered": 3,
        "waitlisted": 1,
        "cancelled": 1,
        "attended": 0,
        "attended_live": 0,
        "attended_on_demand": 0,
    }


def test_cancelling_a_waitlisted_or_on_demand_registration_promotes_nobody(cast):
    event = make_event(cast, **with_window(capacity=1))
    register(event, 1)
    waiting = register(event, 2).registration
    third = register(event, 3).registration
    od = register(event, 4, on_demand=True).registration
    assert services.registration_cancel(registration=od) is None
    assert services.registration_cancel(registration=waiting) is None
    third.refresh_from_db()
    assert third.status == Status.WAITLISTED and sel.waitlist_position(registration=third) == 1


def test_reregistering_after_cancel_goes_to_the_back_of_the_waitlist(cast):
    event = make_event(cast, capacity=1)
    first = register(event, 1).registration
    register(event, 2)
    services.registration_cancel(registration=first)  # p2 promoted
    register(event, 3)
    again = register(event, 1)
    assert again.registration.pk == first.pk  # the cancelled row is reused (unique email per event)
    assert (again.registration.status, again.position) == (Status.WAITLISTED, 2)


def test_raising_capacity_promotes_the_waitlist_in_order(cast):
    event = make_event(cast, capacity=1)
    register(event, 1)
    second, third = register(event, 2).registration, register(event, 3).registration
    _event, promoted = services.event_update(event=event, data={"capacity": 2})
    assert [r.pk for r in promoted] == [second.pk]
    third.refresh_from_db()
    assert third.status == Status.WAITLISTED


def test_duplicate_email_refused(cast):
    event = make_event(cast)
    register(event, 1)
    with pytest.raises(ValidationError) as exc:
        services.seminar_register(event=event, name="x", email="P1@example.com")
    assert "email" in exc.value.error_dict


def test_refusals_closed_over_and_no_on_demand(cast):
    closed = make_event(cast, registration_open=False)
    with pytest.raises(ValidationError) as exc:
        register(closed, 1)
    assert "受け付けていません" in exc.value.message_dict["event"][0]

    past = make_event(cast, starts_at=future(-30))
    with pytest.raises(ValidationError) as exc:
        register(past, 1)
    assert "終了しました" in exc.value.message_dict["event"][0]

    live_only = make_event(cast)
    with pytest.raises(ValidationError) as exc:
        register(live_only, 1, on_demand=True)
    assert "on_demand" in exc.value.error_dict
    assert not SeminarRegistration.objects.exists()


def test_after_the_live_session_an_open_on_demand_window_takes_registrations_on_demand(cast):
    today = timezone.localdate()
    event = make_event(
        cast,
        starts_at=future(-3),
        capacity=1,
        on_demand_from=today - dt.timedelta(days=2),
        on_demand_until=today + dt.timedelta(days=5),
    )
    register(event, 1)
    result = register(event, 2)
    assert result.registration.on_demand is True and result.position is None


def test_members_only_refused_for_companies(cast):
    event = make_event(cast, kind=Event.Kind.KICKOFF, title="キックオフ連絡会", members_only=True)
    with pytest.raises(ValidationError):
        register(event, 1, company=cast.company)
    with pytest.raises(ValidationError):
        register(event, 2)  # members_only_ok defaults to False
    assert register(event, 3, members_only_ok=True).position is None


def test_attendance_mark_sets_ticked_and_clears_the_rest(cast):
    event = make_event(cast)
    a, b = register(event, 1).registration, register(event, 2).registration
    other = register(make_event(cast, title="別"), 3).registration
    assert services.attendance_mark(event=event, attended_ids={a.pk, other.pk}) == 1
    a.refresh_from_db(), b.refresh_from_db(), other.refresh_from_db()
    assert a.attended and not b.attended and not other.attended
    assert services.attendance_mark(event=event, attended_ids={b.pk}) == 2


# --- forms and validation -----------------------------------------------------------------------------


def program_post(cast, **overrides):
    data = {
        "name": "令和5年度 茨城・長野DX推進コミュニティ",
        "fiscal_year": "2023",
        "funder": "経済産業省",
        "capacity": "16",
        "regions": [str(cast.ibaraki.pk), str(cast.nagano.pk)],
        "self_diagnosis_from": "2023-07-25",
        "self_diagnosis_until": "2023-08-19",
    }
    data.update(overrides)
    return data


def test_program_form_checks_window_order_year_capacity_and_regions(cast):
    form = ProgramForm(
        program_post(
            cast,
            self_diagnosis_until="2023-07-01",
            fiscal_year="1999",
            capacity="-1",
            regions=[str(cast.other_region.pk)],
        ),
        consortium=cast.consortium,
    )
    assert not form.is_valid()
    assert set(form.errors) == {"self_diagnosis_until", "fiscal_year", "capacity", "regions"}
    assert "自己診断" in form.errors["self_diagnosis_until"][0]
    assert form.is_valid() is False
    assert ProgramForm(program_post(cast), consortium=cast.consortium).is_valid()


def test_program_service_refuses_a_foreign_region(cast):
    with pytest.raises(ValidationError) as exc:
        services.program_create(
            consortium=cast.consortium,
            data={"name": "x", "fiscal_year": 2023, "regions": [cast.other_region]},
        )
    assert "regions" in exc.value.error_dict
    assert not Program.objects.filter(name="x").exists()


def event_post(**overrides):
    data = {"kind": "dx_seminar", "title": "DXセミナー(3)", "registration_open": "on"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def event_form(cast, data):
    return EventForm(data, regions=cast.program.regions.all())


def test_event_form_validation(cast):
    form = event_form(cast, event_post(date="2026-12-10", start_time="14:00", end_time="13:00"))
    assert not form.is_valid() and "end_time" in form.errors
    form = event_form(cast, event_post(on_demand_from="2026-12-10", on_demand_until="2026-12-01"))
    assert not form.is_valid() and "on_demand_until" in form.errors
    form = event_form(cast, event_post(on_demand_from="2026-12-10"))
    assert not form.is_valid() and "on_demand_until" in form.errors
    form = event_form(cast, event_post())
    assert not form.is_valid() and "オンデマンド" in form.non_field_errors()[0]
    form = event_form(cast, event_post(date="2026-12-10"))
    assert not form.is_valid() and "start_time" in form.errors
    form = event_form(
        cast, event_post(date="2026-12-10", start_time="14:00", region=str(cast.other_region.pk))
    )
    assert not form.is_valid() and "region" in form.errors


def test_event_form_composes_jst_times_and_on_demand_only(cast):
    form = event_form(cast, event_post(date="2026-12-10", start_time="14:00", end_time="16:00"))
    assert form.is_valid(), form.errors
    event = services.event_create(program=cast.program, data=form.event_data())
    assert event.starts_at == dt.datetime(2026, 12, 10, 5, 0, tzinfo=dt.UTC)
    assert event.ends_at == dt.datetime(2026, 12, 10, 7, 0, tzinfo=dt.UTC)
    assert sel.event_is_live(event)

    form = event_form(cast, event_post(on_demand_from="2026-12-01", on_demand_until="2026-12-31"))
    assert form.is_valid(), form.errors
    od = services.event_create(program=cast.program, data=form.event_data())
    assert not sel.event_is_live(od) and od.ends_at is None
    # Editing it again shows no live date (nothing invented).
    assert (
        "date"
        not in EventForm(instance=od, regions=Region.objects.filter(consortium=cast.consortium)).initial
    )


# --- views --------------------------------------------------------------------------------------------


def test_program_list_and_detail(cast, login):
    Program.objects.create(consortium=cast.consortium, name="令和3年度 旧事業", fiscal_year=2021, capacity=8)
    make_event(cast, title="DXセミナー(1)", capacity=30)
    Program.objects.filter(pk=cast.program.pk).update(accompaniment_until=dt.date(2023, 2, 17))
    client = login(cast.coordinator)
    body = client.get(url("programs:list", cast)).content.decode()
    assert "令和4年度" in body and "募集16社" in body and "令和3年度" in body
    assert body.index("令和4年度 茨城・長野") < body.index("令和3年度 旧事業")  # newest first
    body = client.get(url("programs:detail", cast, pk=cast.program.pk)).content.decode()
    assert "伴走支援" in body and "2022/9/12〜2023/2/17" in body and "DXセミナー(1)" in body
    assert "定員 30" in body


def test_program_create_and_edit_by_coordinator_only(cast, login, regional):
    client = login(cast.coordinator)
    response = client.post(url("programs:create", cast), program_post(cast))
    program = Program.objects.get(name="令和5年度 茨城・長野DX推進コミュニティ")
    assert response.status_code == 302 and set(program.regions.all()) == {cast.ibaraki, cast.nagano}
    # Bad input: a clear error and the typed values kept.
    response = client.post(
        url("programs:edit", cast, pk=program.pk),
        with_version(program_post(cast, name="改名", self_diagnosis_until="2023-07-01"), program),
    )
    body = response.content.decode()
    assert response.status_code == 200 and "終了日は開始日以降" in body and 'value="改名"' in body
    assert 'value="2023-07-01"' in body
    program.refresh_from_db()
    assert program.name == "令和5年度 茨城・長野DX推進コミュニティ"
    response = client.post(
        url("programs:edit", cast, pk=program.pk),
        with_version(program_post(cast, name="改名", regions=[cast.nagano.pk]), program),
    )
    program.refresh_from_db()
    assert (
        response.status_code == 302
        and program.name == "改名"
        and list(program.regions.all()) == [cast.nagano]
    )
    # A foreign-tenant region id is refused.
    response = client.post(url("programs:create", cast), program_post(cast, regions=[cast.other_region.pk]))
    assert response.status_code == 200 and Program.objects.count() == 2
    # Regional coordinators read only.
    client = login(regional)
    assert client.get(url("programs:detail", cast, pk=program.pk)).status_code == 200
    assert client.get(url("programs:edit", cast, pk=program.pk)).status_code == 403
    assert client.post(url("programs:create", cast), program_post(cast, name="y")).status_code == 403


def test_regional_coordinator_manages_events_of_their_region_only(cast, login, regional):
    client = login(regional)
    data = event_post(date="2026-12-10", start_time="14:00", region=str(cast.nagano.pk))
    response = client.post(url("programs:event_create", cast, program_pk=cast.program.pk), data)
    assert response.status_code == 200 and not Event.objects.exists()  # 長野 is not a choice
    data["region"] = str(cast.ibaraki.pk)
    response = client.post(url("programs:event_create", cast, program_pk=cast.program.pk), data)
    event = Event.objects.get()
    assert response.status_code == 302 and event.region == cast.ibaraki
    assert client.get(url("programs:event_edit", cast, pk=event.pk)).status_code == 200
    nagano = make_event(cast, region=cast.nagano)
    common = make_event(cast, title="共通")
    for other in (nagano, common):
        assert client.get(url("programs:event_edit", cast, pk=other.pk)).status_code == 403
        assert client.post(url("programs:event_delete", cast, pk=other.pk)).status_code == 403
    assert client.post(url("programs:event_delete", cast, pk=event.pk)).status_code == 302
    assert not Event.objects.filter(pk=event.pk).exists()


def test_members_only_event_is_404_for_company_and_vendor(cast, login):
    event = make_event(cast, kind=Event.Kind.KICKOFF, title="キックオフ連絡会", members_only=True)
    for user in (cast.company_user, cast.vendor_user):
        client = login(user)
        for name in ("programs:event_detail", "programs:event_ics"):
            assert client.get(url(name, cast, pk=event.pk)).status_code == 404
        assert client.post(url("companies:event_register", cast, pk=event.pk)).status_code == 404
        body = client.get(url("programs:detail", cast, pk=cast.program.pk)).content.decode()
        assert "キックオフ連絡会" not in body
    client = login(cast.bank_user)
    assert client.get(url("programs:event_detail", cast, pk=event.pk)).status_code == 200
    client.post(url("companies:event_register", cast, pk=event.pk))
    reg = SeminarRegistration.objects.get(event=event)
    assert reg.email == "bank@example.com" and reg.organization_name == "常陽銀行"


def test_register_view_tells_the_waitlist_place_and_cancel_promotes(cast, login):
    event = make_event(cast, capacity=1)
    register(event, 1)
    client = login(cast.company_user)
    response = client.post(
        url("companies:event_register", cast, pk=event.pk),
        {"next": url("programs:event_detail", cast, pk=event.pk)},
        follow=True,
    )
    body = response.content.decode()
    assert "キャンセル待ち（1番目）" in body and "申し込みを取り消す" in body
    first = SeminarRegistration.objects.get(event=event, email="p1@example.com")
    services.registration_cancel(registration=first)
    mine = SeminarRegistration.objects.get(event=event, email="ceo@example.com")
    assert mine.status == Status.REGISTERED
    response = client.post(url("programs:registration_cancel", cast, pk=event.pk), follow=True)
    mine.refresh_from_db()
    assert mine.status == Status.CANCELLED and "取り消しました" in response.content.decode()
    # Nothing left to cancel.
    assert client.post(url("programs:registration_cancel", cast, pk=event.pk)).status_code == 404


def test_register_refused_with_a_clear_message(cast, login):
    event = make_event(cast, starts_at=future(-30))
    response = login(cast.company_user).post(url("companies:event_register", cast, pk=event.pk), follow=True)
    assert "終了しました" in response.content.decode()
    assert not SeminarRegistration.objects.exists()


def test_attendance_form_saves_in_one_post(cast, login):
    event = make_event(cast)
    a, b = register(event, 1).registration, register(event, 2).registration
    client = login(cast.coordinator)
    body = client.get(url("programs:event_detail", cast, pk=event.pk)).content.decode()
    assert "p1@example.com" in body and f'value="{a.pk}"' in body
    response = client.post(url("programs:event_attendance", cast, pk=event.pk), {"attended": [a.pk]})
    assert response.status_code == 302
    a.refresh_from_db(), b.refresh_from_db()
    assert a.attended and not b.attended
    # Registrants don't see the list and may not mark attendance.
    client = login(cast.company_user)
    assert (
        "p1@example.com" not in client.get(url("programs:event_detail", cast, pk=event.pk)).content.decode()
    )
    assert (
        client.post(url("programs:event_attendance", cast, pk=event.pk), {"attended": [b.pk]}).status_code
        == 403
    )
    b.refresh_from_db()
    assert not b.attended


# --- calendar -----------------------------------------------------------------------------------------


def test_calendar_month_contents(cast, login):
    make_event(cast, title="DX気づきセミナー", starts_at=dt.datetime(2022, 7, 15, 14, tzinfo=JST))
    make_event(
        cast,
        title="DX自己診断説明会",
        starts_at=dt.datetime(2022, 7, 25, 10, tzinfo=JST),
        on_demand_from=dt.date(2022, 7, 26),
        on_demand_until=dt.date(2022, 8, 5),
    )
    make_event(
        cast, title="キックオフ連絡会", starts_at=dt.datetime(2022, 7, 1, 15, tzinfo=JST), members_only=True
    )
    make_event(cast, title="成果報告会", starts_at=dt.datetime(2023, 3, 2, 13, tzinfo=JST))
    client = login(cast.coordinator)
    body = client.get(
        url("programs:calendar", cast, pk=cast.program.pk), {"month": "2022-07"}
    ).content.decode()
    assert "2022年7月" in body and "DX気づきセミナー" in body and "14:00" in body
    assert "キックオフ連絡会" in body and "成果報告会" not in body
    assert "自己診断" in body and "配信: DX自己診断説明会" in body  # phase band and on-demand band
    assert "?month=2022-06" in body and "?month=2022-08" in body
    # The program is over: without ?month the first event's month is shown.
    body = client.get(url("programs:calendar", cast, pk=cast.program.pk)).content.decode()
    assert "2022年7月" in body
    # Company members don't see members-only events.
    body = (
        login(cast.company_user)
        .get(url("programs:calendar", cast, pk=cast.program.pk), {"month": "2022-07"})
        .content.decode()
    )
    assert "DX気づきセミナー" in body and "キックオフ連絡会" not in body


def test_calendar_marks_today_and_consortium_calendar(cast, login):
    make_event(cast, title="今日のセミナー", starts_at=timezone.localtime().replace(hour=23, minute=0))
    client = login(cast.itc)
    body = client.get(url("programs:calendar_all", cast)).content.decode()
    assert 'aria-current="date"' in body and "今日のセミナー" in body
    body = client.get(
        url("programs:calendar", cast, pk=cast.program.pk), {"month": "garbage"}
    ).content.decode()
    assert timezone.localdate().strftime("%Y年").lstrip("0") in body


def test_month_grid_bands_and_default_month():
    program = Program(name="p", fiscal_year=2022, accompaniment_from=dt.date(2022, 9, 12))
    program.accompaniment_until = dt.date(2023, 2, 17)
    windows = sel.calendar_windows(programs=[program], events=[], prefix_program=False)
    grid = sel.month_grid(month=dt.date(2022, 9, 1), events=[], windows=windows, today=dt.date(2022, 9, 14))
    days = {d.date: d for week in grid for d in week}
    assert days[dt.date(2022, 9, 11)].bands == []
    band = days[dt.date(2022, 9, 12)].bands[0]
    assert band["label"] == "伴走支援" and band["show_label"]
    assert not days[dt.date(2022, 9, 13)].bands[0]["show_label"]
    assert days[dt.date(2022, 9, 19)].bands[0]["show_label"]  # Monday: label again
    assert days[dt.date(2022, 9, 14)].is_today and all(len(w) == 7 for w in grid)
    assert sel.calendar_default_month(program=program, events=[], today=dt.date(2026, 11, 21)) == dt.date(
        2022, 9, 1
    )
    assert sel.calendar_default_month(program=program, events=[], today=dt.date(2022, 11, 21)) == dt.date(
        2022, 11, 1
    )
    assert sel.parse_month("2022-13") is None and sel.parse_month("2022-02") == dt.date(2022, 2, 1)


# --- .ics ---------------------------------------------------------------------------------------------


def test_program_ics_parses_back_with_times_and_on_demand_span(cast, login):
    live = make_event(
        cast,
        title="DXセミナー(2)",
        starts_at=dt.datetime(2022, 11, 14, 14, tzinfo=JST),
        ends_at=dt.datetime(2022, 11, 14, 16, tzinfo=JST),
        on_demand_from=dt.date(2022, 11, 14),
        on_demand_until=dt.date(2022, 12, 31),
        place="水戸市, 会議室; A",
    )
    make_event(cast, title="キックオフ連絡会", members_only=True)
    response = login(cast.company_user).get(url("programs:ics", cast, pk=cast.program.pk))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    cal = Calendar.from_ical(response.content)
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    assert len(events) == 2  # live + on-demand window; the members-only event is left out
    host = "testserver"
    live_part = events[f"dx-event-{cast.consortium.pk}-{live.pk}-live@{host}"]
    assert live_part.decoded("dtstart") == dt.datetime(2022, 11, 14, 5, tzinfo=dt.UTC)
    assert live_part.decoded("dtend") == dt.datetime(2022, 11, 14, 7, tzinfo=dt.UTC)
    assert str(live_part["summary"]) == "DXセミナー(2)" and str(live_part["location"]) == "水戸市, 会議室; A"
    window = events[f"dx-event-{cast.consortium.pk}-{live.pk}-on-demand@{host}"]
    assert window.decoded("dtstart") == dt.date(2022, 11, 14)
    assert window.decoded("dtend") == dt.date(2023, 1, 1)  # exclusive: the window includes 12/31
    assert "オンデマンド" in str(window["summary"])
    # Stable UIDs: a second download has the same ones.
    again = Calendar.from_ical(
        login(cast.coordinator).get(url("programs:ics", cast, pk=cast.program.pk)).content
    )
    assert set(events) <= {str(e["uid"]) for e in again.walk("VEVENT")}
    assert len(list(again.walk("VEVENT"))) == 3  # the coordinator also gets the members-only event


def test_event_ics_on_demand_only_is_one_all_day_entry(cast, login):
    form = event_form(cast, event_post(on_demand_from="2026-12-01", on_demand_until="2026-12-31"))
    assert form.is_valid()
    event = services.event_create(program=cast.program, data=form.event_data())
    response = login(cast.company_user).get(url("programs:event_ics", cast, pk=event.pk))
    parts = list(Calendar.from_ical(response.content).walk("VEVENT"))
    assert len(parts) == 1
    assert parts[0].decoded("dtstart") == dt.date(2026, 12, 1) and parts[0].decoded("dtend") == dt.date(
        2027, 1, 1
    )


def test_event_form_errors_keep_what_was_typed(cast, login):
    client = login(cast.coordinator)
    data = event_post(
        title="DXセミナー（秋）", date="2026-12-10", start_time="14:00", end_time="13:00", place="水戸"
    )
    response = client.post(url("programs:event_create", cast, program_pk=cast.program.pk), data)
    body = response.content.decode()
    assert response.status_code == 200 and "終了時刻は開始時刻より後" in body
    assert 'value="DXセミナー（秋）"' in body and 'value="水戸"' in body and 'value="13:00"' in body
    assert not Event.objects.exists()


def test_consortium_calendar_spans_programs(cast, login):
    later = Program.objects.create(
        consortium=cast.consortium,
        name="令和5年度",
        fiscal_year=2023,
        accompaniment_from=dt.date(2023, 1, 10),
        accompaniment_until=dt.date(2023, 3, 31),
    )
    Event.objects.create(
        consortium=cast.consortium,
        program=later,
        kind=Event.Kind.DX_SEMINAR,
        title="翌年度セミナー",
        starts_at=dt.datetime(2023, 1, 20, 14, tzinfo=JST),
    )
    make_event(cast, title="令和4年度の成果報告会", starts_at=dt.datetime(2023, 1, 25, 13, tzinfo=JST))
    body = (
        login(cast.bank_user).get(url("programs:calendar_all", cast), {"month": "2023-01"}).content.decode()
    )
    assert "翌年度セミナー" in body and "令和4年度の成果報告会" in body
    assert "令和5年度 伴走支援" in body and "令和4年度 伴走支援" in body  # phase labels name their program
