"""実績報告書（集計）: the figures on a hand-built dataset, the .xlsx read back, the PDF via Celery."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from dxcommunity.tenancy.models import Company, Membership
from programs.models import Participation
from reports.documents import rendering
from reports.documents.services import results_document_request
from reports.models import GeneratedDocument
from reports.results.report import results_report_data, results_report_xlsx
from tests.reports.results_factories import (
    MALICIOUS,
    PERCENT_2_OF_3,
    need,
    regional_coordinator,
    results_world,
    track_with_sessions,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(cast):
    return results_world(cast)


def cross_row(data, kind_label, region=""):
    return next(
        r for r in data["supported"]["rows"] if r["kind_label"] == kind_label and r["region"] == region
    )


def industry_index(value):
    return [v for v, _label in Company.Industry.choices].index(value)


def test_supported_companies_by_kind_region_and_industry(cast, w):
    data = results_report_data(consortium=cast.consortium, program=w.p1)
    sup = data["supported"]
    assert sup["total"] == 3
    assert sup["by_kind"] == {"accompaniment": 1, "matching": 2}
    assert dict(sup["by_region"]) == {"茨城県": 2, "長野県": 1}
    by_industry = dict(sup["by_industry"])
    assert by_industry["製造業"] == 1 and by_industry["建設業"] == 2 and by_industry["卸売・商社"] == 0
    ibaraki_matching = cross_row(data, "マッチング", "茨城県")
    assert ibaraki_matching["counts"][industry_index("construction")] == 1  # the matching-only company
    assert ibaraki_matching["total"] == 1
    assert cross_row(data, "伴走支援 計")["total"] == 1
    assert cross_row(data, "マッチング 計")["total"] == 2
    assert cross_row(data, "合計")["total"] == 3
    names = {c.name: c for c in data["companies"]}
    assert set(names) == {cast.company.name, cast.other_company.name, MALICIOUS}
    own = names[cast.company.name]
    assert own.kind == "accompaniment" and own.recommended_by == cast.association
    assert (own.sessions_held, own.sessions_total) == (3, 10)
    assert own.plan_status == "approved" and own.plan_approved_at is not None
    assert (own.needs, own.matching_status, own.contracts, own.contract_amount) == (
        1,
        "contract",
        1,
        1_200_000,
    )
    other = names[cast.other_company.name]
    assert other.kind == "matching" and other.matching_status == "proposal" and other.contract_amount is None
    assert names[MALICIOUS].matching_status == "declined" and names[MALICIOUS].sessions_total == 0


def test_applications_sessions_plans(cast, w):
    data = results_report_data(consortium=cast.consortium, program=w.p1)
    a = data["applications"]
    assert a["applicants"] == 3  # the duplicate is not a second applicant
    assert a["capacity"] == 16 and a["selected"] == 2
    assert dict(a["by_decision"])["不選出"] == 1
    s = data["sessions"]
    assert (s["tracks"], s["total"], s["held"], s["planned"], s["cancelled"]) == (1, 10, 3, 6, 1)
    assert s["held_percent"] == Decimal("30.0")
    assert [r["held"] for r in s["by_number"][:4]] == [1, 1, 1, 0]
    assert data["plans"]["approved"] == 1 and data["plans"]["approved_percent"] == Decimal("100.0")


def test_matching_seminars_satisfaction(cast, w):
    data = results_report_data(consortium=cast.consortium, program=w.p1)
    m = data["matching"]
    assert m["needs"] == 3 and m["contracts"] == 1 and m["contract_companies"] == 1
    assert m["contract_amount"] == 1_200_000
    by_status = {r["status"]: r["n"] for r in m["by_status"]}
    assert by_status == {
        "hearing": 0,
        "candidates": 0,
        "introduction": 0,
        "proposal": 1,
        "contract": 1,
        "declined": 1,
    }
    [seminar] = data["seminars"]  # the kickoff (members only meeting) is not a seminar
    assert seminar["event"] == w.seminar
    assert (seminar["registered"], seminar["attended_live"], seminar["on_demand"], seminar["attended"]) == (
        3,
        1,
        1,
        2,
    )
    per_kind = {r["kind"]: r for r in data["satisfaction"]}
    assert per_kind["session"]["n"] == 3 and per_kind["session"]["mean"] == Decimal("4.00")
    assert per_kind["session"]["satisfied_percent"] == PERCENT_2_OF_3
    assert per_kind["session"]["usefulness_mean"] == Decimal("4.00")
    assert per_kind["final"]["n"] == 1 and per_kind["final"]["satisfied_percent"] == Decimal("100.0")


def test_fiscal_year_covers_every_program_of_the_year(cast, w):
    data = results_report_data(consortium=cast.consortium, fiscal_year=2022)
    assert {p.pk for p in data["programs"]} == {w.p1.pk, w.p2.pk}
    assert data["fiscal_year_label"] == "令和4年度" and "令和4年度" in data["scope_label"]
    assert data["supported"]["total"] == 4 and data["supported"]["by_kind"]["accompaniment"] == 2
    assert w.later.name not in {c.name for c in data["companies"]}  # FY2023
    assert (data["sessions"]["total"], data["sessions"]["held"]) == (12, 5)
    assert data["applications"]["capacity"] == 20
    fy2023 = results_report_data(consortium=cast.consortium, fiscal_year=2023)
    assert [c.name for c in fy2023["companies"]] == [w.later.name]


def test_exactly_one_of_program_or_fiscal_year(cast, w):
    with pytest.raises(ValueError):
        results_report_data(consortium=cast.consortium)
    with pytest.raises(ValueError):
        results_report_data(consortium=cast.consortium, program=w.p1, fiscal_year=2022)


def test_regional_restriction(cast, w):
    ibaraki = Company.objects.filter(consortium=cast.consortium, region=cast.ibaraki)
    data = results_report_data(consortium=cast.consortium, program=w.p1, companies=ibaraki)
    assert data["restricted"] and [r.name for r in data["regions"]] == ["茨城県"]
    assert {c.name for c in data["companies"]} == {cast.company.name, MALICIOUS}
    assert cast.other_company.name not in str(data["companies"])
    assert data["supported"]["total"] == 2
    assert data["matching"]["needs"] == 2  # 長野's need is not counted
    assert data["applications"]["applicants"] == 2  # cast.company + the unregistered 茨城 applicant
    [seminar] = data["seminars"]
    assert (seminar["registered"], seminar["on_demand"]) == (1, 0)  # only the 茨城 company's registration


def _sheet_rows(wb, name):
    return [list(r) for r in wb[name].iter_rows(values_only=True)]


def test_xlsx_reads_back_with_sheets_headers_values_and_no_formula(cast, w):
    data = results_report_xlsx(consortium=cast.consortium, program=w.p1)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == [
        "概要",
        "支援企業（種別・地域・業種）",
        "支援企業一覧",
        "セッション開催",
        "マッチング",
        "セミナー",
        "満足度",
    ]
    assert wb.properties.title == "実績報告書（集計）"
    summary = _sheet_rows(wb, "概要")
    assert summary[1][0] == "実績報告書（集計）"
    assert any(r[2] and "交付要綱様式第6" in r[2] and "転記" in r[2] for r in summary)
    values = {r[0]: r[1] for r in summary if r and r[0]}
    assert values["応募"] == 3 and values["支援企業 計"] == 3 and values["マッチング 契約金額"] == 1_200_000
    listing = wb["支援企業一覧"]
    header = [c.value for c in next(listing.iter_rows(min_row=1, max_row=1))]
    assert header[:5] == ["会社名", "地域", "業種", "支援種別", "推薦機関"] and "契約金額（円）" in header
    assert listing.freeze_panes == "A2"
    rows = {r[0].value: r for r in listing.iter_rows(min_row=2)}
    own = rows[cast.company.name]
    assert [c.value for c in own[1:8]] == [
        "茨城県",
        "製造業",
        "伴走支援",
        "茨城県経営者協会",
        3,
        10,
        "承認済",
    ]
    assert own[12].value == 1_200_000 and own[12].number_format == "#,##0"
    evil = rows[MALICIOUS]
    assert evil[0].data_type == "s" and evil[0].value == MALICIOUS
    cross = _sheet_rows(wb, "支援企業（種別・地域・業種）")
    assert cross[0][:2] == ["種別", "地域"] and cross[0][-1] == "計"
    assert cross[-1][0] == "合計" and cross[-1][-1] == 3
    satisfaction = _sheet_rows(wb, "満足度")
    assert satisfaction[1][:3] == ["各回アンケート", 3, 4.0]
    assert wb["満足度"]["E2"].number_format == "0.0%" and abs(wb["満足度"]["E2"].value - 0.667) < 1e-9
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert len(sheets) == 7
        for name in sheets:
            assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name


def _grow(cast, program, n, start=0):
    for i in range(start, start + n):
        c = Company.objects.create(
            consortium=cast.consortium,
            name=f"量産{i}株式会社",
            region=cast.ibaraki,
        )
        Participation.objects.create(consortium=cast.consortium, company=c, program=program)
        track_with_sessions(cast, c, program, held=2, planned=1)
        need(cast, c, "hearing", program=program)


def _queries(cast, program) -> int:
    with CaptureQueriesContext(connection) as ctx:
        results_report_xlsx(consortium=cast.consortium, program=program)
    return len(ctx.captured_queries)


def test_xlsx_query_count_does_not_grow_with_companies(cast):
    _grow(cast, cast.program, 3)
    small = _queries(cast, cast.program)
    _grow(cast, cast.program, 9, start=3)
    assert Company.objects.filter(tracks__program=cast.program).count() == 12
    # A fixed set of grouped queries (programs, regions, cross table, rows, applications, decisions, tracks,
    # sessions, plans, needs by status and category, seminars, satisfaction): the same for 3 and 12.
    assert _queries(cast, cast.program) == small
    assert small <= 16


# --- pages ------------------------------------------------------------------------------------------------


def test_results_page_shows_tables_and_links(cast, w, login):
    client = login(cast.coordinator)
    response = client.get(reverse("results:index", args=["dx"]), {"scope": f"program:{w.p1.pk}"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "実績報告書" in html and cast.other_company.name in html
    assert "Excelで出力" in html and "PDFを作成" in html
    assert "令和4年度 全事業" in html  # the fiscal-year choice
    assert MALICIOUS not in html and "=HYPERLINK(&quot;" in html  # escaped


def test_results_page_rejects_an_unknown_scope(cast, w, login):
    client = login(cast.coordinator)
    response = client.get(reverse("results:index", args=["dx"]), {"scope": "program:999999"})
    assert response.status_code == 200
    assert "事業または年度を一覧から選んでください。" in response.content.decode()


def test_xlsx_download_has_a_dated_japanese_filename(cast, w, login):
    client = login(cast.coordinator)
    response = client.get(reverse("results:xlsx", args=["dx"]), {"scope": "fy:2022"})
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=utf-8''" in disposition
    assert "%E5%AE%9F%E7%B8%BE%E5%A0%B1%E5%91%8A%E6%9B%B8" in disposition  # 実績報告書
    wb = load_workbook(io.BytesIO(response.content))
    assert "令和4年度" in _sheet_rows(wb, "概要")[1][1]


def test_regional_coordinator_sees_only_its_region(cast, w, login):
    user = regional_coordinator(cast, cast.ibaraki)
    client = login(user)
    html = client.get(reverse("results:index", args=["dx"]), {"scope": f"program:{w.p1.pk}"}).content.decode()
    assert cast.company.name in html and cast.other_company.name not in html
    response = client.get(reverse("results:xlsx", args=["dx"]), {"scope": f"program:{w.p1.pk}"})
    names = [r[0] for r in _sheet_rows(load_workbook(io.BytesIO(response.content)), "支援企業一覧")[1:]]
    assert cast.company.name in names and cast.other_company.name not in names


@pytest.mark.parametrize("role", ["itc", "bank_user", "vendor_user", "company_user", "association_user"])
def test_other_roles_get_404(cast, w, login, role):
    client = login(getattr(cast, role))
    assert client.get(reverse("results:index", args=["dx"])).status_code == 404
    assert client.get(reverse("results:xlsx", args=["dx"]), {"scope": "fy:2022"}).status_code == 404
    assert client.post(reverse("results:pdf_request", args=["dx"]), {"scope": "fy:2022"}).status_code == 404
    assert not GeneratedDocument.objects.exists()


# --- PDF ------------------------------------------------------------------------------------------------

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def pdf_text(path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


@needs_poppler
def test_pdf_task_renders_the_results_report(cast, w, login, django_capture_on_commit_callbacks):
    client = login(cast.coordinator)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("results:pdf_request", args=["dx"]), {"scope": f"program:{w.p1.pk}"})
    assert response.status_code == 302 and len(callbacks) == 1
    doc = GeneratedDocument.objects.get()
    assert (doc.kind, doc.company, doc.program, doc.fiscal_year) == ("results_report", None, w.p1, None)
    assert doc.status == "ready", doc.error
    text = pdf_text(doc.file.path)
    assert "実績報告書" in text and cast.company.name in text and "交付要綱様式第6" in text
    fonts = subprocess.run(["pdffonts", doc.file.path], check=True, capture_output=True, text=True).stdout
    assert "Noto-Sans-CJK-JP" in fonts, fonts
    page = client.get(reverse("results:index", args=["dx"]), {"scope": f"program:{w.p1.pk}"}).content.decode()
    assert reverse("documents:download", args=["dx", doc.pk]) in page
    download = client.get(reverse("documents:download", args=["dx", doc.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert "filename*=utf-8''" in download["Content-Disposition"]


@needs_poppler
def test_fiscal_year_pdf_of_a_regional_coordinator_covers_its_region(
    cast, w, login, django_capture_on_commit_callbacks
):
    user = regional_coordinator(cast, cast.ibaraki)
    membership = Membership.objects.get(user=user)
    with django_capture_on_commit_callbacks(execute=True):
        doc = results_document_request(membership=membership, fiscal_year=2022)
    doc.refresh_from_db()
    assert doc.status == "ready", doc.error
    text = pdf_text(doc.file.path)
    assert "令和4年度" in text and cast.company.name in text and cast.other_company.name not in text
    # Its download: the region's coordinator and the coordinator; not the other region's.
    nagano = regional_coordinator(cast, cast.nagano)
    url = reverse("documents:download", args=["dx", doc.pk])
    assert login(user).get(url).status_code == 200
    assert login(cast.coordinator).get(url).status_code == 200
    assert login(nagano).get(url).status_code == 404
    assert login(cast.bank_user).get(url).status_code == 404


def test_pdf_failure_is_shown_with_its_error_and_retried(
    cast, w, login, monkeypatch, django_capture_on_commit_callbacks
):
    def boom(*, document):
        raise RuntimeError("集計に失敗しました")

    monkeypatch.setitem(rendering.DOCUMENT_CONTEXTS, "results_report", boom)
    client = login(cast.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("results:pdf_request", args=["dx"]), {"scope": "fy:2022"}, HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200
    doc = GeneratedDocument.objects.get()
    assert doc.status == "failed" and "RuntimeError: 集計に失敗しました" in doc.error
    status = client.get(reverse("documents:status", args=["dx", doc.pk])).content.decode()
    assert "失敗" in status and "集計に失敗しました" in status
    assert reverse("documents:retry", args=["dx", doc.pk]) in status
    monkeypatch.setitem(rendering.DOCUMENT_CONTEXTS, "results_report", rendering.results_report_context)
    with django_capture_on_commit_callbacks(execute=True):
        retry = client.post(reverse("documents:retry", args=["dx", doc.pk]))
    assert retry.status_code == 302 and retry["Location"] == reverse("results:index", args=["dx"])
    doc.refresh_from_db()
    assert doc.status == "ready" and doc.attempts == 2 and doc.error == ""


def test_pdf_request_refuses_a_missing_scope(cast, w, login):
    client = login(cast.coordinator)
    response = client.post(reverse("results:pdf_request", args=["dx"]), {"scope": "fy:1999"})
    assert response.status_code == 302
    assert not GeneratedDocument.objects.exists()
