"""The whole journey of one company through the FY2022 茨城・長野 program, in real headless Chromium.

The whole journey, steps 1–8, against the demo data (``load_demo``) served by pytest-django's live server:
company-e (筑波フロンティア, registered only) registers for a seminar, applies, fills in and submits the
DX推進指標 self-diagnosis; the coordinator assigns the 茨城 ITC as DX診断アドバイザー, who
records the advisor session; the coordinator enrolls the company in the accompaniment track; the ITC
logs session 1; the company and its bank (常陽銀行) read the log while 八十二銀行 gets a 404; the company
fills in its DX推進計画書 and has the PDF rendered; the coordinator records a matching request that the
vendor answers; 常陽銀行's list shows the company and none of 八十二銀行's clients.
"""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import TOTP
from django.core.management import call_command
from django_scopes import scopes_disabled

from accompaniment.models import AccompanimentSession
from diagnosis.models import Diagnosis, IndexItem
from dxcommunity.tenancy.models import Company
from matching.models import MatchingRequest, VendorResponse
from programs.models import SelfDiagnosisApplication, SeminarRegistration
from reports.models import GeneratedDocument
from tests.e2e.conftest import login_as

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "dx-demo-2022"
SLUG = "ibaraki-nagano"
COMPANY_NAME = "筑波フロンティア株式会社"
COORDINATOR = "coordinator@example.jp"
# Coordinators must use an authenticator app (dxcommunity.accounts.mfa); the demo coordinator gets one in
# this test.
COORDINATOR_TOTP_SECRET = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"  # base32


@pytest.fixture
def demo(transactional_db):
    """The demo data, committed so that the live server thread sees it."""
    call_command("load_demo", verbosity=0)
    from django.contrib.auth import get_user_model

    TOTP.activate(get_user_model().objects.get(email=COORDINATOR), COORDINATOR_TOTP_SECRET)
    with scopes_disabled():
        return Company.objects.get(name=COMPANY_NAME)


def _logout(page, live_server):
    page.context.clear_cookies()


_last_totp_window: list[int] = []


def _as(page, live_server, email):
    _logout(page, live_server)
    if email != COORDINATOR:
        login_as(page, live_server, email, DEMO_PASSWORD)
        return
    # allauth accepts each TOTP code once: a second login in the same 30 s window waits for the next code.
    while _last_totp_window and int(time.time()) // mfa_settings.TOTP_PERIOD == _last_totp_window[-1]:
        time.sleep(1)
    login_as(page, live_server, email, DEMO_PASSWORD, totp_secret=COORDINATOR_TOTP_SECRET)
    _last_totp_window.append(int(time.time()) // mfa_settings.TOTP_PERIOD)  # the code's window or later


def test_company_journey_steps_1_to_8(demo, live_server, page, tmp_path):
    from playwright.sync_api import expect

    base = f"{live_server.url}/c/{SLUG}"
    company = demo

    # 1. The company registers for a seminar and applies for the self-diagnosis.
    _as(page, live_server, "company-e@example.jp")
    page.goto(f"{base}/events/")
    row = page.locator("tr", has_text="DX気づきセミナー（令和8年度）")
    row.get_by_role("button", name="申し込む").click()
    expect(page.locator("tr", has_text="DX気づきセミナー（令和8年度）").locator(".badge.ok")).to_have_text(
        "申込済"
    )
    page.goto(f"{base}/apply/")
    page.fill("input[name=applicant_name]", "筑波 太郎")
    page.fill("input[name=organization_name]", "")  # a required field left empty: the form keeps the rest
    page.fill("input[name=email]", "company-e@example.jp")
    page.get_by_role("button", name="申し込む").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    expect(page.locator("input[name=applicant_name]")).to_have_value("筑波 太郎")
    page.fill("input[name=organization_name]", COMPANY_NAME)
    page.select_option("select[name=region]", label="茨城県")
    page.fill("textarea[name=message_to_office]", "製造現場の紙の日報をなくしたい。")
    page.get_by_role("button", name="申し込む").click()
    with scopes_disabled():
        assert SeminarRegistration.objects.filter(
            company=company, event__title__contains="DX気づきセミナー（令和8年度）"
        ).exists()
        assert SelfDiagnosisApplication.objects.filter(
            company=company, organization_name=COMPANY_NAME
        ).exists()

    # 2. The DX推進指標 self-diagnosis: all 35 items, draft, submit, means.
    page.goto(f"{base}/")
    page.get_by_role("button", name=re.compile("自己診断")).first.click()
    expect(page).to_have_url(re.compile(r"/diagnosis/\d+/edit/?$"))
    with scopes_disabled():
        codes = list(IndexItem.objects.filter(edition__is_current=True).values_list("code", flat=True))
    assert len(codes) == 35
    expect(page.locator("label", has_text="一部での戦略的実施").first).to_be_visible()
    page.check("input[name='current_1'][value='2']")
    page.check("input[name='target_1'][value='4']")
    page.fill("textarea[name='evidence_1']", "経営方針書に記載")
    page.get_by_role("button", name="下書き保存").click()
    expect(page.locator("input[name='current_1'][value='2']")).to_be_checked()
    expect(page.locator("textarea[name='evidence_1']")).to_have_value("経営方針書に記載")
    for i, code in enumerate(codes):
        page.check(f"input[name='current_{code}'][value='{i % 3}']")
        page.check(f"input[name='target_{code}'][value='{2 + i % 3}']")
    page.check("input[name=advice_mode][value=online]")
    page.fill("textarea[name=advice_date_candidates]", "8/3 午前、8/5 午後")
    page.get_by_role("button", name="提出する").click()
    # Asked once: the confirmation page says what submitting does, then submits.
    expect(page).to_have_url(re.compile(r"/diagnosis/\d+/submit/?$"))
    expect(page.locator("body")).to_contain_text("差し戻し")
    page.locator("#confirm-submit").get_by_role("button", name="提出する").click()
    expect(page).to_have_url(re.compile(r"/diagnosis/\d+/(result/?)?$"))
    expected_mean = sum(i % 3 for i in range(35)) / 35
    expect(page.locator("body")).to_contain_text(f"{expected_mean:.2f}")
    expect(page.locator("body")).to_contain_text("経営視点")
    expect(page.locator("body")).to_contain_text("IT視点")
    with scopes_disabled():
        diagnosis = Diagnosis.objects.get(company=company)
        assert diagnosis.status == Diagnosis.Status.SUBMITTED
        assert diagnosis.answers.filter(current__isnull=False, target__isnull=False).count() == 35

    # 3. The coordinator assigns the 茨城 ITC as DX診断アドバイザー; the ITC records the advisor session.
    _as(page, live_server, "itc-ibaraki@example.jp")
    response = page.goto(f"{base}/diagnosis/{diagnosis.pk}/advice/")
    assert response.status == 404  # the region's ITC sees the stage only until assigned
    _as(page, live_server, "coordinator@example.jp")
    page.goto(f"{base}/diagnosis/{diagnosis.pk}/")
    page.select_option("select[name=advisor]", label="鹿島 健一（ITコーディネータ茨城）")
    page.get_by_role("button", name="アドバイザーを割り当て").click()
    expect(page.locator("#assigned-advisor")).to_contain_text("鹿島 健一")
    _as(page, live_server, "itc-ibaraki@example.jp")
    page.goto(f"{base}/diagnosis/{diagnosis.pk}/advice/")
    page.fill("input[name=held_on]", "2022-08-05")
    page.select_option("select[name=mode]", "online")
    page.fill("textarea[name=notes]", "紙の日報と二重入力が課題。")
    page.fill("textarea[name=advice]", "まず日報のデジタル化から。")
    page.get_by_role("button", name="保存").click()
    with scopes_disabled():
        assert (
            diagnosis.__class__.objects.get(pk=diagnosis.pk).advisor_session.advice
            == "まず日報のデジタル化から。"
        )

    # 4. The coordinator enrolls the company in the accompaniment track: 10 sessions with the standard themes.
    _as(page, live_server, COORDINATOR)
    page.goto(f"{base}/accompaniment/companies/{company.pk}/enroll/")
    page.select_option("select[name=leader]", index=1)
    page.select_option("select[name=bank]", label="常陽銀行")
    page.get_by_role("button", name="伴走支援に登録").click()
    expect(page.locator("body")).to_contain_text("経営理念、ミッション確認")
    expect(page.locator("body")).to_contain_text("DX計画書まとめ、社内レビュー")
    with scopes_disabled():
        sessions = list(AccompanimentSession.objects.filter(track__company=company).order_by("number"))
    assert [s.number for s in sessions] == list(range(1, 11))

    # 5. The ITC logs session 1; the company and its bank see it; the other bank gets a 404.
    _as(page, live_server, "itc-ibaraki@example.jp")
    page.goto(f"{base}/accompaniment/sessions/{sessions[0].pk}/")
    page.fill("input[name=date]", "2022-09-20")
    page.fill("textarea[name=agenda]", "経営理念の確認")
    page.fill("textarea[name=discussion]", "創業者の想いを言語化した。")
    page.fill("textarea[name=decisions]", "ミッションを一文にまとめる。")
    page.select_option("select[name=attendee_role_1]", "company_executive")
    page.fill("input[name=attendee_name_1]", "筑波 太郎")
    page.select_option("select[name=attendee_role_2]", "company_staff")
    page.fill("input[name=attendee_name_2]", "筑波 花子")
    page.fill("input[name=homework_title_1]", "経営理念の案を作る")
    page.fill("input[name=homework_owner_1]", "筑波 太郎")
    page.get_by_role("button", name="記録を保存").click()
    for email in ("company-e@example.jp", "bank-joyo@example.jp"):
        _as(page, live_server, email)
        page.goto(f"{base}/accompaniment/sessions/{sessions[0].pk}/")
        expect(page.locator("body")).to_contain_text("創業者の想いを言語化した。")
        expect(page.locator("body")).to_contain_text("経営理念の案を作る")
    _as(page, live_server, "bank-82@example.jp")
    response = page.goto(f"{base}/accompaniment/sessions/{sessions[0].pk}/")
    assert response.status == 404

    # 6. The company fills in its DX推進計画書 and has the PDF rendered.
    _as(page, live_server, "company-e@example.jp")
    page.goto(f"{base}/accompaniment/companies/{company.pk}/plan/edit/")
    page.fill("textarea[name=mission]", "地域のものづくりを次の世代へつなぐ。")
    page.fill("textarea[name=vision]", "受注から出荷までをデータでつなぐ工場。")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("body")).to_contain_text("地域のものづくりを次の世代へつなぐ。")
    page.get_by_role("button", name="PDFを作成").click()
    ready = page.locator(".doc-status[data-status=ready]").first
    expect(ready).to_be_visible(timeout=60_000)
    with page.expect_download() as download_info:
        ready.get_by_role("link", name="ダウンロード").click()
    pdf_path = tmp_path / "plan.pdf"
    download_info.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    with scopes_disabled():
        assert GeneratedDocument.objects.get(company=company, kind="dx_plan").status == "ready"

    # 7. The coordinator records a matching request; the vendor sees it and answers.
    _as(page, live_server, COORDINATOR)
    page.goto(f"{base}/matching/new/?company={company.pk}")
    page.select_option("select[name=company]", label=COMPANY_NAME)
    page.fill("input[name=title]", "日報アプリの導入")
    page.fill("textarea[name=description]", "現場でスマホから入力したい。")
    page.select_option("select[name=category]", "info_sharing")
    page.get_by_label("株式会社つくばデジタルソリューションズ").check()
    page.get_by_role("button", name="登録").click()
    with scopes_disabled():
        request = MatchingRequest.objects.get(company=company, title="日報アプリの導入")
    _as(page, live_server, "vendor@example.jp")
    page.goto(f"{base}/matching/")
    page.get_by_role("link", name="日報アプリの導入").click()
    page.fill("textarea[name=message]", "現場向け日報アプリをご提案できます。")
    page.get_by_role("button", name="回答する").click()
    expect(page.locator("body")).to_contain_text("現場向け日報アプリをご提案できます。")
    with scopes_disabled():
        assert VendorResponse.objects.filter(request=request).count() == 1

    # 8. 常陽銀行 sees its client companies with their stage, and nothing of 八十二銀行's clients.
    _as(page, live_server, "bank-joyo@example.jp")
    page.goto(f"{base}/")
    body = page.locator("body")
    expect(body).to_contain_text(COMPANY_NAME)
    expect(body).to_contain_text("伴走支援中")
    expect(body).to_contain_text("かすみ精密工業株式会社")
    for other in ("安曇野フードテック株式会社", "千曲トレーディング株式会社"):
        expect(body).not_to_contain_text(other)
    with scopes_disabled():
        other_client = Company.objects.get(name="安曇野フードテック株式会社")
    response = page.goto(f"{base}/companies/{other_client.pk}/")
    assert response.status == 404
    page.screenshot(path=str(tmp_path / "bank.png"), full_page=True)
