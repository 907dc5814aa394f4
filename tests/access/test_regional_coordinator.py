"""A regional coordinator (地域まとめ) sees its own region's people and companies only.

The 長野 regional coordinator must not read 茨城's 自己診断申し込み (names, titles, messages) on the
dashboard, nor be offered 茨城's companies, organizations or region in the members page's invite form.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from programs.models import SelfDiagnosisApplication

pytestmark = pytest.mark.django_db


def _application(cast, company, region, name: str, message: str) -> SelfDiagnosisApplication:
    return SelfDiagnosisApplication.objects.create(
        consortium=cast.consortium,
        program=cast.program,
        company=company,
        applicant_name=name,
        organization_name=company.name,
        department_title="代表取締役",
        email=f"{region.key}@example.com",
        region=region,
        message_to_office=message,
    )


@pytest.fixture
def applications(cast):
    _application(cast, cast.company, cast.ibaraki, "常陸 申込", "茨城の連絡事項")
    _application(cast, cast.other_company, cast.nagano, "信濃 申込", "長野の連絡事項")
    return cast


@pytest.mark.parametrize(
    ("who", "sees", "does_not_see"),
    [
        (
            "regional_coordinator_nagano",
            "信濃 申込",
            ("常陸 申込", "茨城の連絡事項", "テスト精密工業株式会社"),
        ),
        ("regional_coordinator", "常陸 申込", ("信濃 申込", "長野の連絡事項", "信州テスト建設株式会社")),
    ],
)
def test_dashboard_recent_applications_are_the_regions_own(applications, client, who, sees, does_not_see):
    client.force_login(getattr(applications, who))
    page = client.get(reverse("companies:home", args=["dx"])).content.decode()
    assert sees in page
    for text in does_not_see:
        assert text not in page, text


def test_coordinator_sees_every_regions_recent_applications(applications, client):
    client.force_login(applications.coordinator)
    page = client.get(reverse("companies:home", args=["dx"])).content.decode()
    assert "常陸 申込" in page and "信濃 申込" in page


def test_invite_form_offers_only_the_regions_companies_and_organizations(cast, client):
    client.force_login(cast.regional_coordinator_nagano)
    response = client.get(reverse("members:index", args=["dx"]))
    form = response.context["form"]
    assert list(form.fields["company"].queryset) == [cast.other_company]
    assert list(form.fields["region"].queryset) == [cast.nagano]
    organizations = set(form.fields["organization"].queryset)
    assert cast.other_bank in organizations and cast.itc_nagano_org in organizations
    assert not organizations & {cast.bank, cast.itc_org, cast.association, cast.vendor}
    page = response.content.decode()
    assert "テスト精密工業株式会社" not in page
    assert "常陽銀行" not in page


def test_invite_form_refuses_a_company_of_another_region_as_an_invalid_choice(cast, client):
    client.force_login(cast.regional_coordinator_nagano)
    response = client.post(
        reverse("members:index", args=["dx"]),
        {"email": "new@example.com", "role": "company_member", "company": cast.company.pk},
    )
    assert response.status_code == 400
    assert "company" in response.context["form"].errors
    from dxcommunity.accounts.models import Invitation

    assert not Invitation.objects.filter(email="new@example.com").exists()


def test_coordinator_invite_form_offers_every_company(cast, client):
    client.force_login(cast.coordinator)
    form = client.get(reverse("members:index", args=["dx"])).context["form"]
    assert set(form.fields["company"].queryset) == {cast.company, cast.other_company}
