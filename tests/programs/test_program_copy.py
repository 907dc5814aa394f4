"""次年度の事業を作成: ``program_copy`` (windows shifted by whole years, events on the same weekday
without registrations, regions and the session template copied, duplicates refused) and its page
(coordinator only, as 事業を編集; a double POST makes one program)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from accompaniment.models import SessionTemplate
from dxcommunity.idempotency import new_key
from programs.events import selectors as sel
from programs.events import services
from programs.models import Event, Program, SeminarRegistration
from tests.conftest import MATRIX_ROLES
from tests.matrix import call, check_roles

pytestmark = pytest.mark.django_db

JST = dt.timezone(dt.timedelta(hours=9))
NEW_NAME = "令和5年度 茨城・長野DX推進コミュニティ"
TEMPLATE_SESSIONS = [
    {"number": 1, "theme": "経営理念、ミッション確認", "expected_roles": ["itc_leader", "bank_assistant"]},
    {"number": 2, "theme": "IoT実証の相談", "expected_roles": ["itc_leader", "it_vendor"]},
]


def url(name, cast, pk):
    return reverse(name, kwargs={"consortium_slug": cast.consortium.slug, "pk": pk})


def seminar(cast, **kwargs) -> Event:
    """DXセミナー(2): Tuesday 2022-11-15 14:00–16:00 JST, on demand 11/16–12/31, 茨城, 50 seats."""
    defaults = {
        "kind": Event.Kind.DX_SEMINAR,
        "title": "DXセミナー(2)",
        "starts_at": dt.datetime(2022, 11, 15, 14, 0, tzinfo=JST),
        "ends_at": dt.datetime(2022, 11, 15, 16, 0, tzinfo=JST),
        "on_demand_from": dt.date(2022, 11, 16),
        "on_demand_until": dt.date(2022, 12, 31),
        "region": cast.ibaraki,
        "capacity": 50,
        "place": "水戸市民会館",
        "registration_open": False,
    }
    return Event.objects.create(consortium=cast.consortium, program=cast.program, **(defaults | kwargs))


def on_demand_only(cast) -> Event:
    """DX自己診断説明会 on demand only, 2022-07-26..08-05 (stored from the window's first day 00:00)."""
    return Event.objects.create(
        consortium=cast.consortium,
        program=cast.program,
        kind=Event.Kind.SELF_DIAGNOSIS_BRIEFING,
        title="DX自己診断説明会（オンデマンド）",
        starts_at=dt.datetime(2022, 7, 26, 0, 0, tzinfo=JST),
        on_demand_from=dt.date(2022, 7, 26),
        on_demand_until=dt.date(2022, 8, 5),
    )


def register(event, n):
    SeminarRegistration.objects.create(
        consortium=event.consortium, event=event, name=f"参加者{n}", email=f"p{n}@example.com"
    )


# --- the service ---------------------------------------------------------------------------------------


def test_copy_moves_the_year_name_and_windows_and_keeps_the_rest(cast):
    source = cast.program
    source.funder = "経済産業省"
    source.description = "地域DX促進活動支援事業"
    source.public_application_open = True
    source.matching_from, source.matching_until = dt.date(2022, 9, 12), dt.date(2023, 2, 17)
    source.self_diagnosis_until, source.accompaniment_until = dt.date(2022, 8, 19), dt.date(2023, 2, 17)
    source.save()

    copy = services.program_copy(program=source, user=cast.coordinator)

    assert (copy.name, copy.fiscal_year, copy.fiscal_year_label) == (NEW_NAME, 2023, "令和5年度")
    assert (copy.funder, copy.capacity, copy.description) == ("経済産業省", 16, "地域DX促進活動支援事業")
    assert copy.public_application_open is False
    assert set(copy.regions.all()) == {cast.ibaraki, cast.nagano}
    assert (copy.self_diagnosis_from, copy.self_diagnosis_until) == (
        dt.date(2023, 7, 25),
        dt.date(2023, 8, 19),
    )
    assert (copy.accompaniment_from, copy.accompaniment_until) == (dt.date(2023, 9, 12), dt.date(2024, 2, 17))
    assert (copy.matching_from, copy.matching_until) == (dt.date(2023, 9, 12), dt.date(2024, 2, 17))
    assert copy.advice_from is None and copy.recruitment_until is None
    assert copy.consortium_id == cast.consortium.pk


def test_29_february_becomes_28_february(cast):
    source = Program.objects.create(
        consortium=cast.consortium,
        name="令和5年度 DX推進事業",
        fiscal_year=2023,
        matching_until=dt.date(2024, 2, 29),
    )
    copy = services.program_copy(program=source, user=cast.coordinator)
    assert copy.matching_until == dt.date(2025, 2, 28)
    assert copy.name == "令和6年度 DX推進事業"


def test_events_keep_their_weekday_and_time_and_have_no_registrations(cast):
    live = seminar(cast)
    register(live, 1)
    register(live, 2)
    recorded = on_demand_only(cast)
    register(recorded, 3)

    copy = services.program_copy(program=cast.program, user=cast.coordinator)

    new_live = Event.objects.get(program=copy, title="DXセミナー(2)")
    # 2023-11-15 is a Wednesday: the nearest Tuesday is 11/14, at the same time, 2 hours as before.
    assert new_live.starts_at == dt.datetime(2023, 11, 14, 14, 0, tzinfo=JST)
    assert new_live.starts_at.astimezone(JST).weekday() == live.starts_at.astimezone(JST).weekday() == 1
    assert new_live.ends_at == dt.datetime(2023, 11, 14, 16, 0, tzinfo=JST)
    # The on-demand window moves with the live date (the day after, as before).
    assert (new_live.on_demand_from, new_live.on_demand_until) == (
        dt.date(2023, 11, 15),
        dt.date(2023, 12, 30),
    )
    assert (new_live.kind, new_live.region, new_live.capacity, new_live.place) == (
        Event.Kind.DX_SEMINAR,
        cast.ibaraki,
        50,
        "水戸市民会館",
    )
    assert new_live.registration_open is True
    new_recorded = Event.objects.get(program=copy, kind=Event.Kind.SELF_DIAGNOSIS_BRIEFING)
    assert (new_recorded.on_demand_from, new_recorded.on_demand_until) == (
        dt.date(2023, 7, 26),
        dt.date(2023, 8, 5),
    )
    assert not sel.event_is_live(new_recorded)
    assert new_recorded.ends_at is None
    assert Event.objects.filter(program=copy).count() == 2
    assert not SeminarRegistration.objects.filter(event__program=copy).exists()
    assert SeminarRegistration.objects.filter(event__program=cast.program).count() == 3


def test_the_session_template_is_copied_as_its_own_row(cast):
    source_tpl = SessionTemplate.objects.create(
        consortium=cast.consortium, program=cast.program, sessions=TEMPLATE_SESSIONS
    )
    copy = services.program_copy(program=cast.program, user=cast.coordinator)
    tpl = SessionTemplate.objects.get(program=copy)
    assert tpl.pk != source_tpl.pk and tpl.consortium_id == cast.consortium.pk
    assert tpl.sessions == TEMPLATE_SESSIONS
    source_tpl.refresh_from_db()
    assert source_tpl.sessions == TEMPLATE_SESSIONS


def test_without_a_template_the_copy_has_none(cast):
    copy = services.program_copy(program=cast.program, user=cast.coordinator)
    assert not SessionTemplate.objects.filter(program=copy).exists()


def test_the_source_is_unchanged(cast):
    seminar(cast)
    before = Program.objects.filter(pk=cast.program.pk).values().get()
    services.program_copy(program=cast.program, user=cast.coordinator)
    source = Program.objects.get(pk=cast.program.pk)
    assert Program.objects.filter(pk=cast.program.pk).values().get() == before
    assert set(source.regions.all()) == {cast.ibaraki, cast.nagano}
    assert [e.starts_at for e in source.events.all()] == [dt.datetime(2022, 11, 15, 14, 0, tzinfo=JST)]


def test_a_name_and_a_later_year_can_be_given(cast):
    copy = services.program_copy(
        program=cast.program, user=cast.coordinator, name="令和6年度 DX推進事業", fiscal_year=2024
    )
    assert (copy.name, copy.fiscal_year) == ("令和6年度 DX推進事業", 2024)
    assert copy.self_diagnosis_from == dt.date(2024, 7, 25)


def test_a_name_without_the_label_gets_the_new_label_prefixed(cast):
    source = Program.objects.create(consortium=cast.consortium, name="DX推進事業", fiscal_year=2022)
    assert services.program_copy(program=source, user=cast.coordinator).name == "令和5年度 DX推進事業"


def test_the_same_name_and_year_twice_is_refused(cast):
    services.program_copy(program=cast.program, user=cast.coordinator)
    with pytest.raises(ValidationError) as caught:
        services.program_copy(program=cast.program, user=cast.coordinator)
    assert "fiscal_year" in caught.value.message_dict
    assert "既にあります" in caught.value.message_dict["fiscal_year"][0]
    assert Program.objects.filter(consortium=cast.consortium, fiscal_year=2023).count() == 1


def test_a_year_not_after_the_source_is_refused(cast):
    with pytest.raises(ValidationError) as caught:
        services.program_copy(program=cast.program, user=cast.coordinator, name="別名", fiscal_year=2022)
    assert "fiscal_year" in caught.value.message_dict
    assert Program.objects.filter(consortium=cast.consortium).count() == 1


@pytest.mark.parametrize(
    "who", ["regional_coordinator", "itc", "bank_user", "company_user", "stranger_coordinator"]
)
def test_only_the_coordinator_copies(cast, who):
    with pytest.raises(PermissionDenied):
        services.program_copy(program=cast.program, user=getattr(cast, who))
    assert Program.objects.filter(consortium=cast.consortium).count() == 1


# --- the page --------------------------------------------------------------------------------------------


def test_the_form_is_prefilled_and_shows_what_is_copied(cast, client):
    cast.program.self_diagnosis_until, cast.program.accompaniment_until = (
        dt.date(2022, 8, 19),
        dt.date(2023, 2, 17),
    )
    cast.program.save()
    seminar(cast)
    on_demand_only(cast)
    SessionTemplate.objects.create(
        consortium=cast.consortium, program=cast.program, sessions=TEMPLATE_SESSIONS
    )
    client.force_login(cast.coordinator)
    page = client.get(url("programs:copy", cast, cast.program.pk)).content.decode()
    assert f'value="{NEW_NAME}"' in page
    assert 'value="2023"' in page
    assert 'name="idempotency_key"' in page
    assert "2022/7/25" in page and "2023/7/25" in page  # 自己診断 old -> new
    assert "2023/2/17" in page and "2024/2/17" in page  # 伴走支援 end
    assert "2件" in page
    assert "伴走支援テンプレート" in page and "全2回" in page


def test_the_form_says_when_there_is_no_template(cast, client):
    client.force_login(cast.coordinator)
    page = client.get(url("programs:copy", cast, cast.program.pk)).content.decode()
    assert "0件" in page
    assert "伴走支援テンプレート</dt><dd>なし" in page


def test_the_detail_page_has_the_button_for_the_coordinator_only(cast, client):
    target = url("programs:copy", cast, cast.program.pk)
    client.force_login(cast.coordinator)
    assert target in client.get(url("programs:detail", cast, cast.program.pk)).content.decode()
    client.force_login(cast.itc)
    assert target not in client.get(url("programs:detail", cast, cast.program.pk)).content.decode()


def test_post_creates_the_copy_and_redirects_to_it(cast, client):
    seminar(cast)
    client.force_login(cast.coordinator)
    response = client.post(
        url("programs:copy", cast, cast.program.pk),
        {"name": NEW_NAME, "fiscal_year": "2023", "idempotency_key": new_key()},
    )
    copy = Program.objects.get(consortium=cast.consortium, fiscal_year=2023)
    assert response.status_code == 302
    assert response.url == url("programs:detail", cast, copy.pk)
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["success"]
    assert copy.events.count() == 1


def test_post_of_an_existing_name_and_year_shows_the_error(cast, client):
    services.program_copy(program=cast.program, user=cast.coordinator)
    client.force_login(cast.coordinator)
    response = client.post(
        url("programs:copy", cast, cast.program.pk), {"name": NEW_NAME, "fiscal_year": "2023"}
    )
    assert response.status_code == 200
    assert "既にあります" in response.content.decode()
    assert Program.objects.filter(consortium=cast.consortium, fiscal_year=2023).count() == 1


def test_post_of_a_year_out_of_range_shows_the_error(cast, client):
    client.force_login(cast.coordinator)
    response = client.post(
        url("programs:copy", cast, cast.program.pk), {"name": NEW_NAME, "fiscal_year": "1999"}
    )
    assert response.status_code == 200
    assert "年度は 2000〜" in response.content.decode()
    assert Program.objects.filter(consortium=cast.consortium).count() == 1


def test_a_double_post_makes_one_program(cast, client):
    client.force_login(cast.coordinator)
    data = {"name": NEW_NAME, "fiscal_year": "2023", "idempotency_key": new_key()}
    target = url("programs:copy", cast, cast.program.pk)
    first, second = client.post(target, data), client.post(target, data)
    assert (first.status_code, second.status_code) == (302, 302)
    assert first.url == second.url
    assert Program.objects.filter(consortium=cast.consortium, fiscal_year=2023).count() == 1


COORDINATOR_ONLY = {r: 403 for r in MATRIX_ROLES} | {
    "coordinator": 200,
    "stranger_coordinator": 404,
    "anonymous": 302,
}


@pytest.mark.parametrize("method", ["get", "post"])
def test_only_the_coordinator_gets_the_page(cast, method):
    expected = COORDINATOR_ONLY | ({"coordinator": 302} if method == "post" else {})

    def request(client, role):
        data = {"name": NEW_NAME, "fiscal_year": "2023"}
        return call(client, method, url("programs:copy", cast, cast.program.pk), data)

    def nothing_made_by_others(role, response):
        made = Program.objects.filter(consortium=cast.consortium, fiscal_year=2023).exists()
        if made != (role == "coordinator" and method == "post"):
            return f"program made: {made}"
        return None

    check_roles(cast, f"{method.upper()} programs:copy", expected, request, check=nothing_made_by_others)


def test_the_form_in_english(cast, client, settings):
    SessionTemplate.objects.create(
        consortium=cast.consortium, program=cast.program, sessions=TEMPLATE_SESSIONS
    )
    seminar(cast)
    client.force_login(cast.coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    # The request activates English in this thread; override() puts the language back afterwards.
    with translation.override(settings.LANGUAGE_CODE):
        page = client.get(url("programs:copy", cast, cast.program.pk)).content.decode()
    for text in ("Create next year's program", "What is copied", "1 event (same weekday", "Yes (2 sessions)"):
        assert text in page, text
    for text in ("次年度の事業を作成", "コピーする内容", "件（同じ曜日"):
        assert text not in page, text
