"""Program operations in real headless Chromium against the demo data (``load_demo``).

1. A company without an account applies through the public form of the current 令和8年度 program; the
   coordinator finds the application in the list and accepts it (company + invitation).
2. The coordinator opens the FY2022 program's dashboard: the funnel, the breakdowns, the sessions held
   vs planned and the satisfaction are the demo's figures (the program's story: 応募18社, 伴走支援13社).
3. The coordinator opens the FY2022 results report (実績報告書), downloads the .xlsx through the button and
   reads it back with openpyxl, and has the PDF rendered (Celery, in process here) and downloads it.
Screenshots go to the test's tmp_path (set ``E2E_SHOTS=<dir>`` to keep them).
"""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from dxcommunity.accounts.models import Invitation
from programs.models import CompanyApplication, Program
from tests.e2e.test_journey import COORDINATOR, SLUG, _as, demo  # noqa: F401  (demo is a fixture)

pytestmark = pytest.mark.e2e


def _shot(page, tmp_path: Path, name: str) -> None:
    target = Path(os.environ.get("E2E_SHOTS", tmp_path))
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / f"{name}.png"), full_page=True)


def _programs():
    with scopes_disabled():
        fy2022 = Program.objects.get(consortium__slug=SLUG, fiscal_year=2022)
        current = Program.objects.get(consortium__slug=SLUG, fiscal_year=2026, public_application_open=True)
    return fy2022, current


def test_public_application_then_coordinator_accepts(demo, live_server, page, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    _fy2022, current = _programs()
    page.goto(f"{live_server.url}/public/{SLUG}/{current.pk}/apply/")
    expect(page.locator("body")).to_contain_text("令和8年度")
    page.fill("input[name=company_name]", "株式会社 e2eテスト工房")
    page.fill("input[name=applicant_name]", "試験 花子")
    page.fill("input[name=email]", "hanako@e2e.example.jp")
    page.select_option("select[name=region]", label="長野県")
    page.fill("textarea[name=motivation]", "受発注を紙から移したい。")
    page.get_by_role("button", name="応募する").click()
    # Consent not given: the form comes back with the error and keeps what was typed.
    expect(page.locator(".errorlist").first).to_be_visible()
    expect(page.locator("input[name=company_name]")).to_have_value("株式会社 e2eテスト工房")
    page.check("input[name=privacy_consent]")
    page.get_by_role("button", name="応募する").click()
    expect(page).to_have_url(f"{live_server.url}/public/{SLUG}/{current.pk}/thanks/")
    with scopes_disabled():
        application = CompanyApplication.objects.get(program=current, email="hanako@e2e.example.jp")
    assert application.status == CompanyApplication.Status.RECEIVED
    assert application.source == CompanyApplication.Source.PUBLIC_FORM

    _as(page, live_server, COORDINATOR)
    page.goto(f"{live_server.url}/c/{SLUG}/recruitment/programs/{current.pk}/applications/")
    row = page.locator("tr", has_text="e2eテスト工房")
    expect(row).to_be_visible()
    _shot(page, tmp_path, "applications")
    row.get_by_role("button", name="受付・招待").click()
    expect(page.locator("tr", has_text="e2eテスト工房")).to_contain_text("招待済")
    with scopes_disabled():
        application.refresh_from_db()
        assert application.status == CompanyApplication.Status.INVITED
        assert (
            application.company is not None
            and application.company.participations.filter(program=current).exists()
        )
        assert Invitation.objects.filter(email="hanako@e2e.example.jp", role="company_member").exists()


def test_fy2022_dashboard_and_results_report(demo, live_server, page, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    fy2022, _current = _programs()
    base = f"{live_server.url}/c/{SLUG}"
    _as(page, live_server, COORDINATOR)

    # The dashboard of the FY2022 program.
    page.goto(f"{base}/dashboard/programs/{fy2022.pk}/")
    funnel = page.locator("#funnel")
    expect(funnel).to_be_visible()
    stages = {
        li.locator("span").first.inner_text(): int(li.locator(".num strong").inner_text())
        for li in funnel.locator("li").all()
    }
    assert stages["応募"] == 18, stages
    assert stages["伴走支援"] == 13, stages
    assert stages["計画書完成"] == 10 and stages["契約"] == 2, stages
    expect(page.locator("#sessions")).to_contain_text("122")  # of 130 planned sessions, held
    expect(page.locator("#by-region")).to_contain_text("茨城県")
    expect(page.locator("#by-region")).to_contain_text("長野県")
    _shot(page, tmp_path, "dashboard_fy2022")

    # The results report of the FY2022 program: the page, the .xlsx, the PDF.
    page.goto(f"{base}/results/?scope=program:{fy2022.pk}")
    expect(page.locator("#results-applications")).to_contain_text("18")
    _shot(page, tmp_path, "results_fy2022")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Excelで出力").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(Path(download.path()).read_bytes()), read_only=True)
    assert "概要" in workbook.sheetnames and "支援企業一覧" in workbook.sheetnames
    cells = [
        value
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    assert "実績報告書（集計）" in " ".join(str(v) for v in cells)
    companies = list(workbook["支援企業一覧"].iter_rows(values_only=True))
    header, rows = companies[0], [r for r in companies[1:] if any(r)]
    kind_col = next(i for i, h in enumerate(header) if h and "種別" in str(h))
    kinds = [r[kind_col] for r in rows]
    assert kinds.count("伴走支援") == 13 and kinds.count("マッチング") == 3, kinds

    page.get_by_role("button", name="PDFを作成").click()
    expect(page.get_by_text("完了").first).to_be_visible(timeout=60_000)
    with page.expect_download() as pdf_info:
        page.get_by_role("link", name="ダウンロード").first.click()
    pdf = Path(pdf_info.value.path())
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "実績報告書" in text and "茨城県" in text
