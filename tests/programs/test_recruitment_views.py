"""Pages of recruitment: the public form (no account), the recommendation page, the coordinator's list."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from dxcommunity.accounts.models import Invitation
from dxcommunity.tenancy.models import Company, Membership
from programs.models import CompanyApplication, Program
from programs.recruitment import services
from tests.conftest import add_member, make_user
from tests.programs.test_permission_matrix_recruitment import open_program

pytestmark = pytest.mark.django_db
Status = CompanyApplication.Status


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def apply_url(program, slug="dx"):
    return reverse("public:apply", kwargs={"tenant_slug": slug, "program_pk": program.pk})


def form_data(cast, **extra):
    return {
        "company_name": "株式会社かすみがうら食品",
        "representative_name": "霞 一郎",
        "applicant_name": "霞 次郎",
        "department_title": "総務部",
        "email": "jiro@kasumi.example.jp",
        "phone": "029-000-1111",
        "region": cast.ibaraki.pk,
        "industry": "manufacturing",
        "employees": "48",
        "executive_participant": "霞 一郎",
        "staff_participant": "霞 次郎",
        "motivation": "受注から出荷までをつなげたい",
        "current_issues": "紙の伝票",
        "message_to_office": "",
        "privacy_consent": "on",
        **extra,
    }


# --------------------------------------------------------------------------------------------- public form


def test_anonymous_applies_without_an_account(cast, client, mailoutbox):
    open_program(cast.program)
    users_before = get_user_model().objects.count()
    page = client.get(apply_url(cast.program))
    assert page.status_code == 200 and "csrfmiddlewaretoken" in page.content.decode()
    response = client.post(apply_url(cast.program), form_data(cast))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "public:thanks", kwargs={"tenant_slug": "dx", "program_pk": cast.program.pk}
    )
    app = CompanyApplication.objects.get()
    assert (app.company_name, app.email, app.employees, app.status, app.source, app.privacy_consent) == (
        "株式会社かすみがうら食品",
        "jiro@kasumi.example.jp",
        48,
        Status.RECEIVED,
        CompanyApplication.Source.PUBLIC_FORM,
        True,
    )
    assert app.consortium == cast.consortium and app.company_name_normalized == "かすみがうら食品"
    assert get_user_model().objects.count() == users_before
    assert [m.to for m in mailoutbox] == [["jiro@kasumi.example.jp"]]


@pytest.mark.no_scope_disable
def test_public_view_activates_the_tenant_scope_itself(request, client):
    """With the django-scopes guard live: the view must scope its own queries (no ScopeError)."""
    from django_scopes import scopes_disabled

    with scopes_disabled():
        cast = request.getfixturevalue("cast")
        open_program(cast.program)
    assert client.get(apply_url(cast.program)).status_code == 200
    assert client.post(apply_url(cast.program), form_data(cast)).status_code == 302
    with scopes_disabled():
        assert CompanyApplication.objects.count() == 1


def test_closed_program_says_so_and_records_nothing(cast, client):
    cast.program.public_application_open = False
    cast.program.save()
    for method in ("get", "post"):
        response = getattr(client, method)(apply_url(cast.program), form_data(cast))
        assert response.status_code == 200 and "募集期間外" in response.content.decode()
    assert not CompanyApplication.objects.exists()


@pytest.mark.parametrize(("start", "end"), [(1, 10), (-10, -1)])
def test_out_of_the_recruitment_window_is_closed(cast, client, start, end):
    open_program(cast.program)
    today = timezone.localdate()
    cast.program.recruitment_from = today + dt.timedelta(days=start)
    cast.program.recruitment_until = today + dt.timedelta(days=end)
    cast.program.save()
    response = client.post(apply_url(cast.program), form_data(cast))
    assert response.status_code == 200 and "募集期間外" in response.content.decode()
    assert not CompanyApplication.objects.exists()


def test_unknown_tenant_program_or_another_tenants_program_is_404(cast, client):
    open_program(cast.program)
    foreign = open_program(
        Program.objects.create(consortium=cast.other, name="他地域の事業", fiscal_year=2022)
    )
    assert client.get(apply_url(cast.program, slug="nowhere")).status_code == 404
    assert client.get(apply_url(foreign, slug="dx")).status_code == 404  # another consortium's program
    assert client.get(apply_url(foreign, slug="other")).status_code == 200
    missing = reverse("public:apply", kwargs={"tenant_slug": "dx", "program_pk": 999999})
    assert client.get(missing).status_code == 404
    thanks = reverse("public:thanks", kwargs={"tenant_slug": "dx", "program_pk": foreign.pk})
    assert client.get(thanks).status_code == 404


def test_honeypot_pretends_and_records_nothing(cast, client, mailoutbox):
    open_program(cast.program)
    response = client.post(apply_url(cast.program), form_data(cast, website="http://spam.example"))
    assert response.status_code == 302 and "thanks" in response["Location"]
    assert not CompanyApplication.objects.exists() and not mailoutbox


def test_missing_consent_keeps_what_was_typed(cast, client):
    open_program(cast.program)
    data = form_data(cast)
    del data["privacy_consent"]
    response = client.post(apply_url(cast.program), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "個人情報の取扱いへの同意が必要です" in html
    assert 'value="株式会社かすみがうら食品"' in html and "受注から出荷までをつなげたい" in html
    assert 'value="jiro@kasumi.example.jp"' in html
    assert not CompanyApplication.objects.exists()


def test_region_choices_are_the_programs_only(cast, client):
    open_program(cast.program)
    cast.program.regions.set([cast.nagano])
    html = client.get(apply_url(cast.program)).content.decode()
    assert "長野県" in html and "茨城県" not in html
    response = client.post(apply_url(cast.program), form_data(cast))  # 茨城: not a choice
    assert response.status_code == 200 and not CompanyApplication.objects.exists()


def test_thanks_page_does_not_reveal_a_duplicate(cast, client):
    open_program(cast.program)
    first = client.post(apply_url(cast.program), form_data(cast), follow=True)
    again = client.post(
        apply_url(cast.program), form_data(cast, company_name="かすみがうら食品（株）"), follow=True
    )

    def page(response) -> str:  # the CSRF token differs per response; nothing else may
        return re.sub(r'(X-CSRFToken": "|value=")[A-Za-z0-9]{32,}', r"\1…", response.content.decode())

    assert page(first) == page(again)
    assert [a.status for a in CompanyApplication.objects.order_by("pk")] == [
        Status.RECEIVED,
        Status.DUPLICATE,
    ]


def test_rate_limit_per_ip(cast, client):
    open_program(cast.program)
    limit, _window = services.PUBLIC_FORM_RATE
    for i in range(limit):
        data = form_data(cast, company_name=f"会社{i}", email=f"c{i}@example.jp")
        assert client.post(apply_url(cast.program), data).status_code == 302
    response = client.post(
        apply_url(cast.program), form_data(cast, company_name="もう一社", email="x@example.jp")
    )
    assert response.status_code == 429 and 'value="もう一社"' in response.content.decode()
    assert CompanyApplication.objects.count() == limit
    other_ip = client.post(
        apply_url(cast.program),
        form_data(cast, company_name="別IP", email="y@example.jp"),
        REMOTE_ADDR="10.0.0.9",
    )
    assert other_ip.status_code == 302


# ----------------------------------------------------------------------------------------- recommendations


def test_bank_recommends_and_sees_only_its_own(cast, client):
    client.force_login(cast.bank_user)
    url = reverse("recruitment:recommend", args=["dx"])
    data = form_data(cast, company_name="常陽取引先工業", email="a@joyo-client.example.jp")
    del data["privacy_consent"]
    missing_reason = client.post(url, data)
    assert missing_reason.status_code == 200 and not CompanyApplication.objects.exists()
    response = client.post(url, {**data, "recommendation_note": "設備更新とDX融資の相談"})
    assert response.status_code == 302
    app = CompanyApplication.objects.get()
    assert (app.recommended_by, app.recommended_by_user, app.source) == (
        cast.bank,
        cast.bank_user,
        "recommendation",
    )
    assert "常陽取引先工業" in client.get(url).content.decode()
    client.force_login(cast.other_bank_user)
    html = client.get(url).content.decode()
    assert "常陽取引先工業" not in html


# --------------------------------------------------------------------------------------------- coordinator


def _app(cast, name, **extra):
    return services.application_submit(
        program=cast.program,
        data={
            "company_name": name,
            "applicant_name": "代表",
            "email": f"{abs(hash(name)) % 10**8}@example.jp",
            "region": cast.ibaraki,
            "privacy_consent": True,
            **extra,
        },
        send_confirmation=False,
    )


def test_accept_on_the_list_creates_company_and_invitation(cast, client, mailoutbox):
    app = _app(cast, "株式会社つくば電子", employees=30)
    client.force_login(cast.coordinator)
    url = reverse("recruitment:application_action", args=["dx", cast.program.pk, app.pk, "accept"])
    response = client.post(url)
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.INVITED
    company = Company.objects.get(name="株式会社つくば電子")
    assert app.company == company and company.participations.get().program == cast.program
    invitation = Invitation.objects.get(email=app.email)
    assert (invitation.company, invitation.role, invitation.is_executive) == (company, "company_member", True)
    assert any("/invitations/" in m.body for m in mailoutbox)
    page = client.get(reverse("recruitment:application_list", args=["dx", cast.program.pk]))
    assert "招待済" in page.content.decode()


def test_list_filters_counts_and_duplicates(cast, client):
    cast.program.capacity = 1
    cast.program.save()
    _app(cast, "水戸建設")
    _app(cast, "日立製作工房")  # waitlisted
    _app(cast, "水戸建設（株）", email="dup@example.jp")  # duplicate
    client.force_login(cast.coordinator)
    url = reverse("recruitment:application_list", args=["dx", cast.program.pk])
    html = client.get(url).content.decode()
    assert "重複の疑い" in html and "補欠 1 番目" in html and "定員に達しました" in html
    filtered = client.get(url, {"status": "waitlisted"}).content.decode()
    assert "日立製作工房" in filtered and "水戸建設（株）" in filtered.split("重複の疑い")[1].split("<h2>")[0]
    table = filtered.split("<table>")[1]
    assert "日立製作工房" in table and "水戸建設" not in table
    # A value that is not a choice (another tenant's region, a made-up status) filters nothing.
    for params in ({"status": "bogus"}, {"region": "999999"}, {"recommender": "x"}):
        response = client.get(url, params)
        assert response.status_code == 200 and response.context["form"].errors
        assert len(response.context["applications"]) == 3


def test_withdraw_suggests_the_next_in_line(cast, client):
    cast.program.capacity = 1
    cast.program.save()
    first = _app(cast, "水戸建設")
    _app(cast, "日立製作工房")
    client.force_login(cast.coordinator)
    url = reverse("recruitment:application_withdraw", args=["dx", cast.program.pk, first.pk])
    page = client.post(url, follow=True).content.decode()
    assert "補欠の先頭は「日立製作工房」" in page and "次の繰り上げ候補" in page


def test_regional_coordinator_sees_and_acts_on_its_region_only(cast, client):
    from tests.conftest import give_totp

    regional = make_user("regional@example.com", "地域 まとめ")
    add_member(cast.consortium, regional, Membership.Role.REGIONAL_COORDINATOR, region=cast.nagano)
    give_totp(regional)
    ibaraki = _app(cast, "茨城の会社")
    nagano = _app(cast, "長野の会社", region=cast.nagano)
    client.force_login(regional)
    html = client.get(reverse("recruitment:application_list", args=["dx", cast.program.pk])).content.decode()
    assert "長野の会社" in html and "茨城の会社" not in html
    url = reverse("recruitment:application_action", args=["dx", cast.program.pk, ibaraki.pk, "reject"])
    assert client.post(url).status_code == 404
    url = reverse("recruitment:application_action", args=["dx", cast.program.pk, nagano.pk, "reject"])
    assert client.post(url).status_code == 302
