"""Tampered input through the real views: ids of another tenant (or another company, another bank's
client) put into POST bodies and URLs. Each is refused — a form error (the form re-rendered with a
message, HTTP 200/400) or 404 — and nothing is written: the row counts of every domain and historical
table and the fields of the targeted rows are the same before and after.

Expired and reused invitation tokens are tested with the invitations (tests/accounts, another helper).
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import reverse

from accompaniment.models import AccompanimentTrack
from diagnosis.models import Diagnosis, DiagnosisAnswer, IndexItem
from diagnosis.services import form_field_name
from dxcommunity.tenancy.models import Company, MemberOrganization, Membership
from matching.models import MatchingRequest
from programs.models import Participation, SelfDiagnosisApplication
from reports.models import GeneratedDocument
from tests.audit.conftest import give_totp
from tests.conftest import add_member, make_user

Role = Membership.Role
Kind = MemberOrganization.Kind
DOMAIN_APPS = ("programs", "diagnosis", "accompaniment", "matching", "reports")


def snapshot() -> dict[str, int]:
    """Row count of every model of the domain apps, historical tables included (a write adds a row there)."""
    return {
        model._meta.label: model._base_manager.count()
        for label in DOMAIN_APPS
        for model in apps.get_app_config(label).get_models()
    }


def refused(response, *messages: str) -> bool:
    """404, or the form shown again (200/400) with each of ``messages``."""
    if response.status_code == 404:
        return True
    html = response.content.decode()
    return response.status_code in (200, 400) and all(m in html for m in messages)


@pytest.fixture
def strangers(cast):
    """Rows of the other consortium: an ITC, a bank, a vendor (with a user each where needed)."""
    give_totp(cast.coordinator, cast.stranger_coordinator)
    org = lambda name, kind: MemberOrganization.objects.create(  # noqa: E731
        consortium=cast.other, name=name, kind=kind, region=cast.other_region
    )
    s = type("Strangers", (), {})()
    s.itc_org = org("他地域ITC", Kind.ITC)
    s.bank = org("他地域銀行", Kind.BANK)
    s.vendor = org("他地域ベンダー", Kind.IT_VENDOR)
    s.itc = make_user("stranger-itc@example.com", "他所 ITC")
    add_member(cast.other, s.itc, Role.ITC, organization=s.itc_org, region=cast.other_region)
    return s


def u(name: str, **kwargs) -> str:
    return reverse(name, kwargs={"consortium_slug": "dx", **kwargs})


# --- accompaniment: enroll ----------------------------------------------------------------------------


def test_enroll_with_another_consortiums_itc_or_bank_is_refused(cast, strangers, login):
    client = login(cast.coordinator)
    path = u("accompaniment:enroll", company_pk=cast.company.pk)
    before = snapshot()
    response = client.post(path, {"leader": strangers.itc.pk, "bank": cast.bank.pk})
    assert refused(response, "このコンソーシアムのITコーディネータを選んでください。")
    response = client.post(path, {"leader": cast.itc.pk, "bank": strangers.bank.pk})
    assert refused(response, "このコンソーシアムの金融機関を選んでください。")
    assert snapshot() == before
    assert not AccompanimentTrack.objects.filter(company=cast.company).exists()


def test_enroll_another_consortiums_company_is_404(cast, strangers, login):
    client = login(cast.coordinator)
    before = snapshot()
    response = client.post(
        u("accompaniment:enroll", company_pk=cast.stranger_company.pk), {"leader": cast.itc.pk}
    )
    assert response.status_code == 404
    assert snapshot() == before


# --- matching: request create and status ------------------------------------------------------------------


def matching_post(company_pk: int, vendor_pks: list[int]) -> dict:
    return {
        "company": company_pk,
        "title": "改ざんテスト",
        "description": "",
        "category": "iot",
        "source": "session",
        "vendors": vendor_pks,
    }


@pytest.mark.parametrize("who", ["coordinator", "itc"])
def test_matching_request_with_another_consortiums_vendor_or_company_is_refused(cast, strangers, login, who):
    from tests.accompaniment.factories import enroll

    enroll(cast)  # the ITC leads cast.company's track, so only the tampered ids are wrong
    client = login(getattr(cast, who))
    path = u("matching:request_create")
    before = snapshot()
    response = client.post(path, matching_post(cast.company.pk, [strangers.vendor.pk]))
    assert response.status_code in (200, 400)
    assert set(response.context["form"].errors) == {"vendors"}
    response = client.post(path, matching_post(cast.stranger_company.pk, [cast.vendor.pk]))
    assert response.status_code in (200, 400)
    assert set(response.context["form"].errors) == {"company"}
    assert snapshot() == before
    assert not MatchingRequest.objects.filter(title="改ざんテスト").exists()


def make_request(cast, company: Company) -> MatchingRequest:
    req = MatchingRequest.objects.create(
        consortium=cast.consortium, company=company, title="生産管理", category="core_business"
    )
    req.vendors.set([cast.vendor])
    return req


def test_matching_status_change_on_another_banks_client_is_404(cast, login):
    req = make_request(cast, cast.other_company)  # 八十二銀行's client
    before = snapshot()
    response = login(cast.bank_user).post(u("matching:request_detail", pk=req.pk), {"status": "contract"})
    assert response.status_code == 404
    req.refresh_from_db()
    assert req.status == MatchingRequest.Status.HEARING
    assert snapshot() == before


def test_matching_status_change_by_bank_on_own_client_is_403(cast, login):
    """Visible (the bank's own client) but not allowed to change: 403, nothing changed."""
    req = make_request(cast, cast.company)  # 常陽銀行's client
    before = snapshot()
    response = login(cast.bank_user).post(u("matching:request_detail", pk=req.pk), {"status": "contract"})
    assert response.status_code == 403
    req.refresh_from_db()
    assert req.status == MatchingRequest.Status.HEARING
    assert snapshot() == before


# --- programs: self-diagnosis application -------------------------------------------------------------------


def test_application_with_another_consortiums_region_is_refused(cast, login):
    client = login(cast.company_user)
    before = snapshot()
    response = client.post(
        u("companies:application_create"),
        {
            "applicant_name": "精密 太郎",
            "organization_name": cast.company.name,
            "email": "ceo@example.com",
            "region": cast.other_region.pk,
            "message_to_office": "",
        },
    )
    assert refused(response, "精密 太郎")  # re-rendered with what was typed
    assert response.status_code != 302
    assert "region" in response.context["form"].errors
    assert snapshot() == before
    assert not SelfDiagnosisApplication.objects.filter(company=cast.company).exists()
    cast.participation.refresh_from_db()
    assert cast.participation.stage == Participation.Stage.REGISTERED


# --- reports: another consortium's document ---------------------------------------------------------------


@pytest.fixture
def stranger_document(cast):
    return GeneratedDocument.objects.create(
        consortium=cast.other,
        kind=GeneratedDocument.Kind.DX_PLAN,
        company=cast.stranger_company,
        status=GeneratedDocument.Status.FAILED,
        error="boom",
    )


def test_another_consortiums_document_download_and_retry_are_404(cast, strangers, login, stranger_document):
    client = login(cast.coordinator)
    before = snapshot()
    assert client.get(u("documents:download", pk=stranger_document.pk)).status_code == 404
    assert client.get(u("documents:status", pk=stranger_document.pk)).status_code == 404
    assert client.post(u("documents:retry", pk=stranger_document.pk)).status_code == 404
    response = client.post(u("documents:request"), {"kind": "dx_plan", "company": cast.stranger_company.pk})
    assert response.status_code == 404
    stranger_document.refresh_from_db()
    assert (stranger_document.status, stranger_document.error, stranger_document.attempts) == (
        "failed",
        "boom",
        0,
    )
    assert snapshot() == before


# --- diagnosis: another company's diagnosis ----------------------------------------------------------------


def test_editing_another_companys_diagnosis_is_404(cast, login, index_edition):
    diagnosis = Diagnosis.objects.create(
        consortium=cast.consortium, company=cast.other_company, edition=index_edition
    )
    item = IndexItem.objects.filter(edition=index_edition).order_by("order").first()
    DiagnosisAnswer.objects.create(consortium=cast.consortium, diagnosis=diagnosis, item=item, current=1)
    before = snapshot()
    response = login(cast.company_user).post(
        reverse("diagnosis:edit", kwargs={"consortium_slug": "dx", "pk": diagnosis.pk}),
        {
            form_field_name("current", item.code): "5",
            form_field_name("target", item.code): "5",
            "advice_mode": "online",
            "action": "submit",
        },
    )
    assert response.status_code == 404
    diagnosis.refresh_from_db()
    assert diagnosis.status == Diagnosis.Status.DRAFT
    assert DiagnosisAnswer.objects.get(diagnosis=diagnosis, item=item).current == 1
    assert snapshot() == before


# --- the tenant in the URL --------------------------------------------------------------------------------


def test_posting_into_a_consortium_one_is_not_a_member_of_is_404(cast, strangers, login):
    client = login(cast.stranger_coordinator)
    before = snapshot()
    response = client.post(u("accompaniment:enroll", company_pk=cast.company.pk), {"leader": cast.itc.pk})
    assert response.status_code == 404
    response = client.post(u("matching:request_create"), matching_post(cast.company.pk, [cast.vendor.pk]))
    assert response.status_code == 404
    assert snapshot() == before
