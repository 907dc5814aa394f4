"""The result page: means, comparison with the consortium and IPA, charts, Δ, DX stage; result PDF."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diagnosis.index_loader import benchmarks_load
from diagnosis.models import Diagnosis
from dxcommunity.bench.command import create_submitted_diagnoses
from reports.models import GeneratedDocument
from reports.tasks import render_document
from tests.diagnosis.factories import submitted_diagnosis

pytestmark = pytest.mark.django_db
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def url(name, *args, slug="dx"):
    return reverse(f"diagnosis:{name}", args=[slug, *args])


@pytest.fixture
def ipa(index_edition):
    benchmarks_load()


def pdf_text(path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_result_page_compares_with_consortium_and_ipa(cast, login, ipa):
    diagnosis = submitted_diagnosis(cast, current=2, target=4)
    create_submitted_diagnoses(
        consortium=cast.consortium, edition=diagnosis.edition, companies=[cast.other_company], n=1, seed=1
    )
    html = login(cast.company_user).get(url("result", diagnosis.pk)).content.decode()
    # IPA's national figures with their year and n, per group where published (2024: 経営 1.66/3.35).
    assert "IPA全国平均（2024年, n=1,349）" in html
    assert "1.66 / 3.35" in html and "1.69 / 3.34" in html and "1.67 / 3.34" in html
    assert "項目別の全国値はここでは分からない" in html
    assert "コミュニティ平均（提出済 2社）" in html
    # Charts: one SVG per group, Japanese labels, legend with IPA's year and n.
    assert html.count("<svg") >= 2 and 'id="chart-management"' in html and 'id="chart-it_system"' in html
    assert "危機感とビジョン実現の必要性の共有" in html
    assert "IPA全国平均（2024年, n=1,349, 視点別）" in html
    # DX stage (self-assessment 段階2) beside the SME distribution (N=6,620).
    assert "段階2 デジタイゼーション" in html and "45.9%" in html and "N=6,620" in html
    assert 'class="own"' in html


def test_result_page_without_ipa_figures_says_so(cast, login):
    diagnosis = submitted_diagnosis(cast)
    html = login(cast.company_user).get(url("result", diagnosis.pk)).content.decode()
    assert "IPAの全国平均は登録されていません。" in html


def test_re_diagnosis_shows_the_change_per_item(cast, login, index_edition):
    first = submitted_diagnosis(cast, current=1, target=3)
    Diagnosis.objects.filter(pk=first.pk).update(created_at=first.created_at.replace(year=2021))
    second = submitted_diagnosis(cast, current={c: (3 if c == "1" else 1) for c in _codes(index_edition)})
    html = login(cast.company_user).get(url("result", second.pk)).content.decode()
    assert 'id="delta-col"' in html
    assert '<span class="delta-up">+2</span>' in html
    # The first diagnosis has no predecessor: no Δ column.
    html = login(cast.company_user).get(url("result", first.pk)).content.decode()
    assert 'id="delta-col"' not in html


def _codes(edition):
    from tests.diagnosis.factories import item_codes

    return item_codes(edition)


def _result_queries(client, pk) -> int:
    client.get(url("result", pk))  # warm up (session, caches)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url("result", pk)).status_code == 200
    return len(ctx.captured_queries)


def test_result_page_query_count_does_not_grow_with_the_diagnoses(
    cast, login, ipa, django_assert_max_num_queries
):
    diagnosis = submitted_diagnosis(cast)
    client = login(cast.coordinator)
    create_submitted_diagnoses(
        consortium=cast.consortium, edition=diagnosis.edition, companies=[cast.other_company], n=1
    )
    with_1 = _result_queries(client, diagnosis.pk)
    create_submitted_diagnoses(
        consortium=cast.consortium, edition=diagnosis.edition, companies=[cast.other_company], n=29, seed=7
    )
    # Shared by every tenant page: session, user, membership, MFA check, nav consortia, session save (6,
    # + BEGIN/COMMIT around the save on SQLite). The page itself: diagnosis (with advisor and advice
    # joined), levels, groups, answers, consortium means (one aggregate), IPA row, previous answers,
    # documents, advisor choices = 9 (+1 for notes/weak items once advice exists).
    with django_assert_max_num_queries(17):
        client.get(url("result", diagnosis.pk))
    assert _result_queries(client, diagnosis.pk) == with_1


def test_other_bank_and_other_consortium_get_404(cast, login):
    diagnosis = submitted_diagnosis(cast)
    assert login(cast.other_bank_user).get(url("result", diagnosis.pk)).status_code == 404
    assert login(cast.stranger_coordinator).get(url("result", diagnosis.pk, slug="other")).status_code == 404


@needs_poppler
def test_result_pdf(cast, login, ipa, django_capture_on_commit_callbacks):
    diagnosis = submitted_diagnosis(cast, current=2, target=4)
    client = login(cast.company_user)
    html = client.get(url("result", diagnosis.pk)).content.decode()
    assert 'value="diagnosis_result"' in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("documents:request", args=["dx"]),
            {"kind": "diagnosis_result", "company": cast.company.pk, "diagnosis": diagnosis.pk},
        )
    assert response.status_code == 302 and response["Location"] == url("result", diagnosis.pk)
    doc = GeneratedDocument.objects.get(kind="diagnosis_result")
    assert doc.status == GeneratedDocument.Status.READY, doc.error
    assert doc.diagnosis_id == diagnosis.pk
    text = pdf_text(doc.file.path)
    assert "テスト精密工業株式会社" in text and "DX自己診断" in text
    assert "危機感とビジョン実現の必要性の共有" in text  # item titles (table and chart)
    assert "コミュニティ平均" in text and "IPA全国平均（2024年, n=1,349" in text  # chart legend
    fonts = subprocess.run(["pdffonts", doc.file.path], check=True, capture_output=True, text=True).stdout
    assert "Noto-Sans-CJK-JP" in fonts, fonts
    # Safe to run twice: the second run finds nothing to claim.
    assert render_document(doc.pk) == GeneratedDocument.Status.READY
    doc.refresh_from_db()
    assert doc.attempts == 1


def test_result_pdf_needs_a_visible_submitted_diagnosis(cast, login):
    diagnosis = submitted_diagnosis(cast)
    request_url = reverse("documents:request", args=["dx"])
    data = {"kind": "diagnosis_result", "company": cast.company.pk, "diagnosis": diagnosis.pk}
    assert login(cast.other_bank_user).post(request_url, data).status_code == 404
    other = Diagnosis.objects.create(
        consortium=cast.consortium, company=cast.other_company, edition=diagnosis.edition
    )
    client = login(cast.coordinator)
    response = client.post(request_url, {**data, "diagnosis": other.pk})  # not this company's
    assert response.status_code == 302
    assert not GeneratedDocument.objects.exists()
