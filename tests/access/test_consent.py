"""Company consent: the consent page, sharing and withdrawing, the access log, bank comments."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dxcommunity.consent.models import AccessLog, CompanyComment, CompanyShare
from dxcommunity.consent.services import (
    access_log_record,
    company_comment_add,
    company_share_grant,
    company_share_revoke,
)
from dxcommunity.tenancy.models import MemberOrganization, Membership
from tests.conftest import add_member, make_user

pytestmark = pytest.mark.django_db


def consent_url(company):
    return reverse("consent:company", args=["dx", company.pk])


# --- the page -------------------------------------------------------------------------------------


def test_company_member_sees_who_can_see_its_diagnosis_and_plan(world, login):
    response = login(world.company_user).get(reverse("consent:index", args=["dx"]))
    html = response.content.decode()
    assert response.status_code == 200
    for expected in (
        "常陽銀行",
        "常陽 三郎",
        "伴走 一郎",
        "事務 花子",
        "メインバンク",
        "担当ITコーディネータ",
    ):
        assert expected in html, expected
    for hidden in ("八十二銀行", "八十二 四郎", "信州 次郎", "開発 六郎"):  # none of them can see it
        assert hidden not in html.split('id="share-form"')[0], hidden
    assert "共有する" in html and 'name="organization"' in html and 'name="subject"' in html


def test_coordinator_views_any_companys_page(world, login):
    client = login(world.coordinator)
    response = client.get(reverse("consent:index", args=["dx"]), {"company": world.other_company.pk})
    assert response.status_code == 302 and response["Location"] == consent_url(world.other_company)
    html = client.get(consent_url(world.other_company)).content.decode()
    assert "八十二銀行" in html and "共有する" not in html  # coordinators see, the company decides
    assert world.other_company.name in client.get(reverse("consent:index", args=["dx"])).content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [("bank_user", 403), ("itc", 403), ("other_company_user", 404), ("stranger_coordinator", 404)],
)
def test_consent_page_is_the_companys(world, login, who, status):
    assert login(getattr(world, who)).get(consent_url(world.company)).status_code == status


def test_index_for_supporters_is_403(world, login):
    assert login(world.bank_user).get(reverse("consent:index", args=["dx"])).status_code == 403


# --- sharing ----------------------------------------------------------------------------------------


def test_a_share_makes_the_subject_visible_and_withdrawing_hides_it(world, login):
    result = reverse("diagnosis:result", args=["dx", world.theirs.diagnosis.pk])
    plan = reverse("plan:detail", args=["dx", world.other_company.pk])
    track = reverse("accompaniment:track", args=["dx", world.other_company.pk])
    bank = login(world.bank_user)
    assert bank.get(result).status_code == 404

    owner = login(world.other_company_user)
    response = owner.post(
        reverse("consent:share", args=["dx", world.other_company.pk]),
        {"organization": world.bank.pk, "subject": "diagnosis"},
    )
    assert response.status_code == 302
    share = CompanyShare.objects.get(company=world.other_company, organization=world.bank, revoked_at=None)
    html = owner.get(consent_url(world.other_company)).content.decode()
    assert "常陽 三郎" in html and "共有を取り消す" in html

    bank = login(world.bank_user)
    assert bank.get(result).status_code == 200
    assert bank.get(plan).status_code == 404  # only what was shared
    assert bank.get(track).status_code == 404
    page = bank.get(reverse("companies:detail", args=["dx", world.other_company.pk])).content.decode()
    assert result in page and "八十二銀行" not in page  # stage level + the shared link

    owner = login(world.other_company_user)
    assert owner.post(reverse("consent:revoke", args=["dx", share.pk])).status_code == 302
    share.refresh_from_db()
    assert share.revoked_at is not None and share.revoked_by == world.other_company_user
    bank = login(world.bank_user)
    assert bank.get(result).status_code == 404
    assert bank.get(reverse("companies:detail", args=["dx", world.other_company.pk])).status_code == 404


def test_vendor_with_a_shared_plan_reads_it_and_its_pdf_but_not_the_track(world, login):
    company_share_grant(
        company=world.company, organization=world.vendor, subject="plan", user=world.company_user
    )
    vendor = login(world.vendor_user)
    assert vendor.get(reverse("plan:detail", args=["dx", world.company.pk])).status_code == 200
    assert vendor.get(reverse("documents:download", args=["dx", world.own.plan_pdf.pk])).status_code == 200
    assert vendor.get(reverse("documents:download", args=["dx", world.own.report_pdf.pk])).status_code == 404
    assert vendor.get(reverse("plan:edit", args=["dx", world.company.pk])).status_code == 403
    assert vendor.get(reverse("accompaniment:track", args=["dx", world.company.pk])).status_code == 404
    assert vendor.get(reverse("diagnosis:result", args=["dx", world.own.diagnosis.pk])).status_code == 404


def test_only_the_companys_executive_shares(world, login):
    staff = make_user("staff@example.com", "精密 次郎")
    add_member(world.consortium, staff, Membership.Role.COMPANY_MEMBER, company=world.company)
    data = {"organization": world.vendor.pk, "subject": "plan"}
    url = reverse("consent:share", args=["dx", world.company.pk])
    assert login(staff).post(url, data).status_code == 403
    assert "共有する" not in login(staff).get(consent_url(world.company)).content.decode()
    assert login(world.coordinator).post(url, data).status_code == 403
    with pytest.raises(PermissionDenied):
        company_share_grant(
            company=world.company, organization=world.vendor, subject="plan", user=world.coordinator
        )
    share = company_share_grant(
        company=world.company, organization=world.vendor, subject="plan", user=world.company_user
    )
    with pytest.raises(PermissionDenied):
        company_share_revoke(share=share, user=staff)
    assert not CompanyShare.objects.filter(revoked_at__isnull=False).exists()


def test_another_tenants_organization_is_refused(world, login):
    foreign = MemberOrganization.objects.create(consortium=world.other, name="他地域銀行", kind="bank")
    response = login(world.company_user).post(
        reverse("consent:share", args=["dx", world.company.pk]),
        {"organization": foreign.pk, "subject": "plan"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["organization"]
    with pytest.raises(ValidationError) as exc:
        company_share_grant(
            company=world.company, organization=foreign.pk, subject="plan", user=world.company_user
        )
    assert "organization" in exc.value.message_dict
    assert not CompanyShare.objects.exists()


def test_granting_twice_keeps_one_active_share(world):
    first = company_share_grant(
        company=world.company, organization=world.vendor, subject="plan", user=world.company_user
    )
    again = company_share_grant(
        company=world.company, organization=world.vendor, subject="plan", user=world.company_user
    )
    assert first.pk == again.pk and CompanyShare.objects.count() == 1


def test_revoking_another_companys_share_is_404(world, login):
    share = company_share_grant(
        company=world.other_company, organization=world.vendor, subject="plan", user=world.other_company_user
    )
    assert login(world.company_user).post(reverse("consent:revoke", args=["dx", share.pk])).status_code == 404
    share.refresh_from_db()
    assert share.revoked_at is None


# --- access log ---------------------------------------------------------------------------------------


def test_bank_and_vendor_views_are_logged_and_shown_to_the_company(world, login):
    o = world.own
    bank = login(world.bank_user)
    for url in (
        reverse("diagnosis:result", args=["dx", o.diagnosis.pk]),
        reverse("plan:detail", args=["dx", world.company.pk]),
        reverse("accompaniment:session_log", args=["dx", o.session.pk]),
        reverse("documents:download", args=["dx", o.plan_pdf.pk]),
    ):
        assert bank.get(url).status_code == 200
    company_share_grant(
        company=world.company, organization=world.vendor, subject="diagnosis", user=world.company_user
    )
    assert (
        login(world.vendor_user).get(reverse("diagnosis:result", args=["dx", o.diagnosis.pk])).status_code
        == 200
    )
    logs = list(
        AccessLog.objects.order_by("pk").values_list(
            "user__email", "organization__name", "subject", "object_id"
        )
    )
    assert logs == [
        ("bank@example.com", "常陽銀行", "diagnosis", o.diagnosis.pk),
        ("bank@example.com", "常陽銀行", "plan", o.plan.pk),
        ("bank@example.com", "常陽銀行", "session_log", o.session.pk),
        ("bank@example.com", "常陽銀行", "document", o.plan_pdf.pk),
        ("vendor@example.com", "テスト情報システム株式会社", "diagnosis", o.diagnosis.pk),
    ]
    html = login(world.company_user).get(consent_url(world.company)).content.decode()
    log_table = html.split('id="access-log"')[1]
    for text in ("常陽 三郎", "常陽銀行", "DX自己診断", "DX推進計画書", "セッション記録", "PDF", "開発 六郎"):
        assert text in log_table, text


@pytest.mark.parametrize("who", ["coordinator", "itc", "company_user"])
def test_views_by_coordinators_itcs_and_the_company_are_not_logged(world, login, who):
    client = login(getattr(world, who))
    assert client.get(reverse("diagnosis:result", args=["dx", world.own.diagnosis.pk])).status_code == 200
    assert client.get(reverse("plan:detail", args=["dx", world.company.pk])).status_code == 200
    assert not AccessLog.objects.exists()


def test_access_log_record_only_for_bank_and_vendor(world):
    for user, logged in ((world.coordinator, False), (world.bank_user, True), (world.vendor_user, True)):
        m = Membership.objects.get(user=user)
        row = access_log_record(
            membership=m, company=world.company, subject="plan", object_id=1, path="/x" * 400
        )
        assert (row is not None) == logged
    assert AccessLog.objects.count() == 2 and all(
        len(p) == 300 for p in AccessLog.objects.values_list("path", flat=True)
    )


# --- comments -----------------------------------------------------------------------------------------


def test_bank_adds_its_own_comment_and_who_reads_it(world, login):
    url = reverse("companies:detail", args=["dx", world.company.pk])
    bank = login(world.bank_user)
    assert "コメントを追加" in bank.get(url).content.decode()
    response = bank.post(
        reverse("companies:comment_add", args=["dx", world.company.pk]), {"body": "DX融資の相談あり"}
    )
    assert response.status_code == 302 and response["Location"] == url
    comment = CompanyComment.objects.get()
    assert (comment.author, comment.organization) == (world.bank_user, world.bank)

    colleague = make_user("bank2@example.com", "常陽 次子")
    add_member(world.consortium, colleague, Membership.Role.BANK_STAFF, organization=world.bank)
    for user in (world.coordinator, world.itc, colleague, world.bank_user):
        assert "DX融資の相談あり" in login(user).get(url).content.decode(), user
    assert "DX融資の相談あり" not in login(world.company_user).get(url).content.decode()
    # Another bank that got a share sees the company's stage, not the comments, and may not comment.
    company_share_grant(
        company=world.company, organization=world.other_bank, subject="plan", user=world.company_user
    )
    other = login(world.other_bank_user)
    page = other.get(url).content.decode()
    assert "DX融資の相談あり" not in page and "コメントを追加" not in page
    assert (
        other.post(reverse("companies:comment_add", args=["dx", world.company.pk]), {"body": "x"}).status_code
        == 403
    )


def test_other_banks_comments_are_not_shown_to_a_bank(world, login):
    CompanyComment.objects.create(
        consortium=world.consortium,
        company=world.company,
        author=world.other_bank_user,
        organization=world.other_bank,
        body="八十二のメモ",
    )
    assert (
        "八十二のメモ"
        not in login(world.bank_user)
        .get(reverse("companies:detail", args=["dx", world.company.pk]))
        .content.decode()
    )
    assert (
        "八十二のメモ"
        in login(world.coordinator)
        .get(reverse("companies:detail", args=["dx", world.company.pk]))
        .content.decode()
    )


def test_empty_comment_is_refused_with_the_page_again(world, login):
    response = login(world.bank_user).post(
        reverse("companies:comment_add", args=["dx", world.company.pk]), {"body": "  "}
    )
    assert response.status_code == 400
    assert response.context["comment_form"].errors["body"]
    assert not CompanyComment.objects.exists()
    with pytest.raises(ValidationError):
        company_comment_add(company=world.company, user=world.bank_user, body="   ")


@pytest.mark.parametrize("who", ["coordinator", "itc", "association_user", "company_user"])
def test_only_bank_staff_comment(world, login, who):
    url = reverse("companies:comment_add", args=["dx", world.company.pk])
    assert login(getattr(world, who)).post(url, {"body": "x"}).status_code == 403
    assert not CompanyComment.objects.exists()


def test_diagnosis_pdfs_follow_the_diagnosis_subject(world, login):
    from django.core.files.base import ContentFile

    from reports.models import GeneratedDocument

    docs = {}
    for o in (world.own, world.theirs):
        doc = GeneratedDocument.objects.create(
            consortium=world.consortium, kind="diagnosis_result", company=o.company, status="ready"
        )
        doc.file.save(f"diagnosis-{o.company.pk}.pdf", ContentFile(b"%PDF-1.7 test"), save=True)
        docs[o.company.pk] = reverse("documents:download", args=["dx", doc.pk])
    bank = login(world.bank_user)
    assert bank.get(docs[world.company.pk]).status_code == 200
    assert bank.get(docs[world.other_company.pk]).status_code == 404
    vendor = login(world.vendor_user)
    assert vendor.get(docs[world.company.pk]).status_code == 404
    company_share_grant(
        company=world.company, organization=world.vendor, subject="diagnosis", user=world.company_user
    )
    assert vendor.get(docs[world.company.pk]).status_code == 200
