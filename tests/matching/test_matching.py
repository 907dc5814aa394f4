"""Matching: request creation (tenant-checked vendors), visibility, vendor answers, status."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dxcommunity.tenancy.models import MemberOrganization
from matching.models import MatchingRequest, Solution, VendorResponse
from matching.services import matching_request_create, vendor_response_submit
from programs.models import Participation

pytestmark = pytest.mark.django_db


def url(name, cast, **kwargs):
    return reverse(name, kwargs={"consortium_slug": cast.consortium.slug, **kwargs})


def make_request(cast, company=None, vendors=None, title="在庫管理の一元化"):
    request = MatchingRequest.objects.create(
        consortium=cast.consortium, company=company or cast.company, title=title, category="core_business"
    )
    request.vendors.set(vendors or [cast.vendor])
    return request


@pytest.fixture
def foreign_vendor(cast):
    return MemberOrganization.objects.create(
        consortium=cast.other, name="他地域システム株式会社", kind=MemberOrganization.Kind.IT_VENDOR
    )


def form_data(cast, vendors):
    return {
        "company": cast.company.pk,
        "title": "受発注のデジタル化",
        "description": "FAX受注をなくしたい",
        "category": "core_business",
        "source": "session",
        "vendors": [v.pk for v in vendors],
    }


def test_coordinator_creates_request_and_company_moves_to_matching(cast, login):
    cast.participation.stage = Participation.Stage.ADVISED
    cast.participation.save(update_fields=["stage"])
    response = login(cast.coordinator).post(
        url("matching:request_create", cast), form_data(cast, [cast.vendor])
    )
    created = MatchingRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == url(
        "matching:request_detail", cast, pk=created.pk
    )
    assert list(created.vendors.all()) == [cast.vendor] and created.created_by == cast.coordinator
    cast.participation.refresh_from_db()
    assert cast.participation.stage == Participation.Stage.MATCHING


def test_request_for_company_in_accompaniment_keeps_stage(cast):
    from tests.accompaniment.factories import enroll

    enroll(cast)  # the ITC must be assigned (track leader) to act for the company
    cast.participation.stage = Participation.Stage.ACCOMPANIMENT
    cast.participation.save(update_fields=["stage"])
    matching_request_create(
        company=cast.company,
        user=cast.itc,
        title="t",
        category="iot",
        source="session",
        vendors=[cast.vendor],
    )
    cast.participation.refresh_from_db()
    assert cast.participation.stage == Participation.Stage.ACCOMPANIMENT


def test_other_tenants_vendor_refused_and_nothing_saved(cast, login, foreign_vendor):
    response = login(cast.coordinator).post(
        url("matching:request_create", cast), form_data(cast, [cast.vendor, foreign_vendor])
    )
    assert response.status_code == 200
    assert "vendors" in response.context["form"].errors
    assert "受発注のデジタル化" in response.content.decode()  # typed values are kept
    assert not MatchingRequest.objects.exists()
    with pytest.raises(ValidationError) as exc:
        matching_request_create(
            company=cast.company,
            user=cast.coordinator,
            title="t",
            category="iot",
            source="session",
            vendors=[cast.vendor.pk, foreign_vendor.pk],
        )
    assert "vendors" in exc.value.error_dict
    assert not MatchingRequest.objects.exists()


def test_non_vendor_organization_refused(cast):
    with pytest.raises(ValidationError):
        matching_request_create(
            company=cast.company,
            user=cast.coordinator,
            title="t",
            category="iot",
            source="session",
            vendors=[cast.bank],
        )
    assert not MatchingRequest.objects.exists()


def test_itc_of_other_region_cannot_create_for_company(cast):
    with pytest.raises(PermissionDenied):
        matching_request_create(
            company=cast.company,
            user=cast.itc_nagano,
            title="t",
            category="iot",
            source="session",
            vendors=[cast.vendor],
        )


@pytest.mark.parametrize("who", ["bank_user", "vendor_user", "company_user", "association_user"])
def test_create_page_forbidden_for_other_roles(cast, login, who):
    assert login(getattr(cast, who)).get(url("matching:request_create", cast)).status_code == 403


def test_create_page_preselects_company(cast, login):
    from tests.accompaniment.factories import enroll

    enroll(cast)  # the ITC leads cast.company's track
    response = login(cast.itc).get(url("matching:request_create", cast), {"company": cast.company.pk})
    assert response.status_code == 200
    assert response.context["form"].initial["company"] == cast.company.pk
    assert "登録" in response.content.decode()


def test_create_page_offers_an_itc_only_its_assigned_companies(cast, login):
    from tests.accompaniment.factories import enroll

    enroll(cast)
    form = login(cast.itc).get(url("matching:request_create", cast)).context["form"]
    offered = set(form.fields["company"].queryset.values_list("name", flat=True))
    # cast.company: track leader; cast.other_company: another region, not assigned.
    assert offered == {cast.company.name}


def test_vendor_sees_only_addressed_requests(cast, login):
    mine = make_request(cast)
    others = make_request(cast, company=cast.other_company, vendors=[cast.other_vendor], title="画像検査")
    client = login(cast.vendor_user)
    body = client.get(url("matching:request_list", cast)).content.decode()
    assert mine.title in body and others.title not in body
    assert client.get(url("matching:request_detail", cast, pk=mine.pk)).status_code == 200
    assert client.get(url("matching:request_detail", cast, pk=others.pk)).status_code == 404


def test_vendor_answers(cast, login):
    request = make_request(cast)
    client = login(cast.vendor_user)
    response = client.post(
        url("matching:request_detail", cast, pk=request.pk), {"message": "クラウド販売管理をご提案します"}
    )
    assert response.status_code == 302
    answer = VendorResponse.objects.get()
    assert answer.vendor == cast.vendor and answer.author == cast.vendor_user
    body = login(cast.coordinator).get(url("matching:request_detail", cast, pk=request.pk)).content.decode()
    assert "クラウド販売管理をご提案します" in body


def test_vendor_empty_answer_shows_error(cast, login):
    request = make_request(cast)
    response = login(cast.vendor_user).post(
        url("matching:request_detail", cast, pk=request.pk), {"message": "  "}
    )
    assert response.status_code == 200 and not VendorResponse.objects.exists()


def test_vendor_not_addressed_cannot_answer_via_service(cast):
    request = make_request(cast)
    with pytest.raises(PermissionDenied):
        vendor_response_submit(request=request, user=cast.other_vendor_user, message="x")
    with pytest.raises(PermissionDenied):
        vendor_response_submit(request=request, user=cast.coordinator, message="x")


def test_coordinator_sets_status_and_vendor_cannot(cast, login):
    request = make_request(cast)
    response = login(cast.coordinator).post(
        url("matching:request_detail", cast, pk=request.pk),
        {"action": "transition", "to_status": "candidates", "note": "ヒアリング済み"},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "candidates"
    response = login(cast.vendor_user).post(
        url("matching:request_detail", cast, pk=request.pk),
        {"action": "transition", "to_status": "introduction"},
    )
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == "candidates"


def test_bank_sees_own_clients_requests_only(cast, login):
    mine = make_request(cast)
    others = make_request(cast, company=cast.other_company, title="画像検査")
    client = login(cast.bank_user)
    assert client.get(url("matching:request_detail", cast, pk=mine.pk)).status_code == 200
    assert client.get(url("matching:request_detail", cast, pk=others.pk)).status_code == 404


def test_other_consortium_cannot_see_request(cast, login):
    request = make_request(cast)
    other_url = reverse("matching:request_detail", kwargs={"consortium_slug": "other", "pk": request.pk})
    assert login(cast.stranger_coordinator).get(other_url).status_code == 404


def test_solution_list_filters_by_category(cast, login):
    Solution.objects.create(
        consortium=cast.consortium, vendor=cast.vendor, name="稼働監視センサー", category="iot"
    )
    Solution.objects.create(
        consortium=cast.consortium, vendor=cast.vendor, name="販売管理クラウド", category="core_business"
    )
    body = (
        login(cast.company_user)
        .get(url("matching:solution_list", cast), {"category": "iot"})
        .content.decode()
    )
    assert "稼働監視センサー" in body and "販売管理クラウド" not in body


def test_company_panel_lists_requests(cast, login):
    make_request(cast)
    body = login(cast.company_user).get(url("companies:detail", cast, pk=cast.company.pk)).content.decode()
    assert "在庫管理の一元化" in body
    assert "マッチング依頼を登録" not in body
