"""programs views: role-aware dashboard, company pages, events, the self-diagnosis application."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from programs.models import Event, Participation, SelfDiagnosisApplication, SeminarRegistration

pytestmark = pytest.mark.django_db


def url(name, cast, **kwargs):
    return reverse(name, kwargs={"consortium_slug": cast.consortium.slug, **kwargs})


def test_coordinator_dashboard_shows_funnel_and_regions(cast, login):
    cast.participation.stage = Participation.Stage.APPLIED
    cast.participation.save(update_fields=["stage"])
    body = login(cast.coordinator).get(url("companies:home", cast)).content.decode()
    assert "ステージ別の企業数" in body
    assert "自己診断申込" in body
    assert "茨城県" in body and "長野県" in body


def test_bank_dashboard_lists_own_clients_only(cast, login):
    body = login(cast.bank_user).get(url("companies:home", cast)).content.decode()
    assert cast.company.name in body
    assert cast.other_company.name not in body


def test_bank_dashboard_shows_sessions_held(cast, login):
    from accompaniment.models import AccompanimentSession, AccompanimentTrack

    track = AccompanimentTrack.objects.create(
        consortium=cast.consortium,
        company=cast.company,
        program=cast.program,
        leader=cast.itc,
        bank=cast.bank,
    )
    for n in (1, 2, 3):
        AccompanimentSession.objects.create(
            consortium=cast.consortium, track=track, number=n, theme=f"t{n}", status="held"
        )
    AccompanimentSession.objects.create(consortium=cast.consortium, track=track, number=4, theme="t4")
    body = login(cast.bank_user).get(url("companies:home", cast)).content.decode()
    assert "3 / 10 回実施" in body


def test_other_bank_dashboard_lists_its_own_client(cast, login):
    body = login(cast.other_bank_user).get(url("companies:home", cast)).content.decode()
    assert cast.other_company.name in body
    assert cast.company.name not in body


def test_itc_dashboard_lists_region_companies(cast, login):
    body = login(cast.itc).get(url("companies:home", cast)).content.decode()
    assert cast.company.name in body
    assert cast.other_company.name not in body


def test_association_dashboard_lists_recommended(cast, login):
    body = login(cast.association_user).get(url("companies:home", cast)).content.decode()
    assert cast.company.name in body
    assert cast.other_company.name not in body


def test_company_dashboard_shows_next_steps(cast, login):
    body = login(cast.company_user).get(url("companies:home", cast)).content.decode()
    assert "自己診断に申し込む" in body
    assert url("companies:application_create", cast) in body
    assert cast.other_company.name not in body


def test_vendor_dashboard_shows_addressed_requests_only(cast, login):
    from matching.models import MatchingRequest

    mine = MatchingRequest.objects.create(
        consortium=cast.consortium, company=cast.company, title="在庫管理", category="core_business"
    )
    mine.vendors.set([cast.vendor])
    other = MatchingRequest.objects.create(
        consortium=cast.consortium, company=cast.other_company, title="画像検査", category="ai"
    )
    other.vendors.set([cast.other_vendor])
    body = login(cast.vendor_user).get(url("companies:home", cast)).content.decode()
    assert "在庫管理" in body
    assert "画像検査" not in body


def test_company_detail_visible_to_own_bank(cast, login):
    response = login(cast.bank_user).get(url("companies:detail", cast, pk=cast.company.pk))
    assert response.status_code == 200
    assert "常陽銀行" in response.content.decode()


def test_company_detail_404_for_other_bank(cast, login):
    response = login(cast.other_bank_user).get(url("companies:detail", cast, pk=cast.company.pk))
    assert response.status_code == 404


def test_company_detail_404_for_other_consortium(cast, login):
    client = login(cast.coordinator)
    assert client.get(url("companies:detail", cast, pk=cast.stranger_company.pk)).status_code == 404
    stranger = login(cast.stranger_coordinator)
    assert stranger.get(url("companies:detail", cast, pk=cast.company.pk)).status_code == 404


def test_company_detail_anonymous_redirects_to_login(cast, client):
    response = client.get(url("companies:detail", cast, pk=cast.company.pk))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_company_detail_renders_matching_panel_for_coordinator(cast, login):
    body = login(cast.coordinator).get(url("companies:detail", cast, pk=cast.company.pk)).content.decode()
    assert "マッチング依頼を登録" in body
    assert f"?company={cast.company.pk}" in body


def test_company_list_filters_by_stage_and_region(cast, login):
    cast.other_participation.stage = Participation.Stage.DIAGNOSED
    cast.other_participation.save(update_fields=["stage"])
    client = login(cast.coordinator)
    body = client.get(url("companies:list", cast), {"stage": "diagnosed"}).content.decode()
    assert cast.other_company.name in body and cast.company.name not in body
    body = client.get(url("companies:list", cast), {"region": cast.ibaraki.pk}).content.decode()
    assert cast.company.name in body and cast.other_company.name not in body


@pytest.mark.parametrize("params", [{"stage": "bogus"}, {"region": "999999"}, {"region": "abc"}])
def test_company_list_with_an_invalid_filter_lists_every_company(cast, login, params):
    response = login(cast.coordinator).get(url("companies:list", cast), params)

    assert response.status_code == 200
    body = response.content.decode()
    assert cast.company.name in body and cast.other_company.name in body
    assert response.context["form"].errors  # the form says which value it did not take


NEXT_YEAR = timezone.localdate().year + 1


def _event(cast, **kwargs):
    return Event.objects.create(
        consortium=cast.consortium,
        program=cast.program,
        kind=kwargs.pop("kind", Event.Kind.AWARENESS_SEMINAR),
        title=kwargs.pop("title", "DX気づきセミナー"),
        # Next year: registration refuses events that are over (programs.events.services).
        starts_at=timezone.make_aware(dt.datetime(NEXT_YEAR, 7, 15, 14)),
        **kwargs,
    )


def test_event_list_and_register_once(cast, login):
    event = _event(cast, on_demand_from=dt.date(NEXT_YEAR, 7, 20), on_demand_until=dt.date(NEXT_YEAR, 8, 5))
    members = _event(cast, kind=Event.Kind.KICKOFF, title="キックオフ連絡会", members_only=True)
    client = login(cast.company_user)
    body = client.get(url("companies:event_list", cast)).content.decode()
    assert "DX気づきセミナー" in body and "申し込む" in body and "7/20〜8/5" in body
    assert members.title not in body
    response = client.post(url("companies:event_register", cast, pk=event.pk), follow=True)
    assert "申し込みました" in response.content.decode()
    registration = SeminarRegistration.objects.get(event=event)
    assert registration.email == "ceo@example.com" and registration.company == cast.company
    assert registration.name == "精密 太郎"
    response = client.post(url("companies:event_register", cast, pk=event.pk), follow=True)
    assert "申し込み済み" in response.content.decode()
    assert SeminarRegistration.objects.filter(event=event).count() == 1


def test_event_register_members_only_is_404_for_company(cast, login):
    members = _event(cast, kind=Event.Kind.KICKOFF, title="キックオフ連絡会", members_only=True)
    response = login(cast.company_user).post(url("companies:event_register", cast, pk=members.pk))
    assert response.status_code == 404


def test_event_register_get_not_allowed(cast, login):
    event = _event(cast)
    assert login(cast.company_user).get(url("companies:event_register", cast, pk=event.pk)).status_code == 405


APPLICATION = {
    "applicant_name": "精密 太郎",
    "organization_name": "テスト精密工業株式会社",
    "department_title": "代表取締役",
    "email": "ceo@example.com",
    "message_to_office": "経営者と担当者で参加します",
}


def test_application_required_fields_keep_typed_values(cast, login):
    client = login(cast.company_user)
    data = {**APPLICATION, "applicant_name": "", "email": "not-an-email", "region": cast.ibaraki.pk}
    response = client.post(url("companies:application_create", cast), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "applicant_name" in form.errors and "email" in form.errors
    body = response.content.decode()
    assert "経営者と担当者で参加します" in body and "not-an-email" in body and "代表取締役" in body
    assert not SelfDiagnosisApplication.objects.exists()


def test_application_creates_and_advances_stage_then_refuses_second(cast, login):
    client = login(cast.company_user)
    response = client.post(
        url("companies:application_create", cast), {**APPLICATION, "region": cast.ibaraki.pk}
    )
    assert response.status_code == 302
    application = SelfDiagnosisApplication.objects.get()
    assert application.company == cast.company and application.submitted_by == cast.company_user
    cast.participation.refresh_from_db()
    assert cast.participation.stage == Participation.Stage.APPLIED
    response = client.post(
        url("companies:application_create", cast), {**APPLICATION, "region": cast.ibaraki.pk}
    )
    assert response.status_code == 200
    assert "申し込み済み" in response.content.decode()
    assert SelfDiagnosisApplication.objects.count() == 1


def test_application_region_must_be_programs(cast, login):
    response = login(cast.company_user).post(
        url("companies:application_create", cast), {**APPLICATION, "region": cast.other_region.pk}
    )
    assert response.status_code == 200
    assert "region" in response.context["form"].errors
    assert not SelfDiagnosisApplication.objects.exists()


@pytest.mark.parametrize("who", ["coordinator", "bank_user", "vendor_user"])
def test_application_only_for_company_members(cast, login, who):
    assert login(getattr(cast, who)).get(url("companies:application_create", cast)).status_code == 403


def test_login_page_is_japanese_in_site_layout(client):
    body = client.get(reverse("account_login")).content.decode()
    assert "ログイン" in body and 'name="login"' in body and "dxcommunity" in body


def test_allauth_pages_use_site_layout(client):
    body = client.get(reverse("account_reset_password")).content.decode()
    assert 'class="topbar"' in body


def test_on_demand_registration(cast, login):
    event = _event(cast, on_demand_from=dt.date(NEXT_YEAR, 7, 20), on_demand_until=dt.date(NEXT_YEAR, 8, 5))
    login(cast.company_user).post(url("companies:event_register", cast, pk=event.pk), {"on_demand": "1"})
    assert SeminarRegistration.objects.get(event=event).on_demand is True


def test_company_dashboard_offers_diagnosis_start_after_application(cast, login):
    from programs.companies.services import application_submit

    application_submit(
        program=cast.program,
        company=cast.company,
        user=cast.company_user,
        applicant_name="精密 太郎",
        organization_name=cast.company.name,
        email="ceo@example.com",
        region=cast.ibaraki,
    )
    body = login(cast.company_user).get(url("companies:home", cast)).content.decode()
    start = reverse("diagnosis:start", kwargs={"consortium_slug": cast.consortium.slug})
    assert f'<form method="post" action="{start}">' in body
    assert "自己診断を始める" in body


def test_coordinator_dashboard_shows_capacity(cast, login):
    body = login(cast.coordinator).get(url("companies:home", cast)).content.decode()
    assert "応募 0 社 / 募集 16 社" in body


def test_stage_level_viewers_do_not_see_main_bank_or_sessions(cast, login):
    # The association recommended cast.company (main bank 常陽銀行): it sees the stage, not the relations.
    body = login(cast.association_user).get(f"/c/{cast.consortium.slug}/companies/").content.decode()
    assert cast.company.name in body
    assert cast.bank.name not in body
    # The company's own bank sees its client in full, main bank included.
    body = login(cast.bank_user).get(f"/c/{cast.consortium.slug}/companies/").content.decode()
    assert cast.company.name in body and cast.bank.name in body
