"""Generated documents: request → (eager) Celery render → ready PDF; failure, retry, download permissions."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from reports.documents import rendering
from reports.documents.services import document_request, document_retry
from reports.models import GeneratedDocument
from reports.tasks import render_document
from tests.accompaniment.factories import enroll, fill_plan, log_first_session

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed"
)


def url(name, *args):
    return reverse(f"documents:{name}", args=["dx", *args])


def pdf_text(path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def pdf_fonts(path) -> str:
    return subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout


def test_request_renders_dx_plan_pdf_with_japanese_text(cast, login, django_capture_on_commit_callbacks):
    enroll(cast)
    fill_plan(cast)
    client = login(cast.company_user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url("request"), {"kind": "dx_plan", "company": cast.company.pk})
    assert response.status_code == 302
    assert len(callbacks) == 1  # queued after commit
    doc = GeneratedDocument.objects.get()
    assert doc.status == GeneratedDocument.Status.READY, doc.error
    assert doc.attempts == 1 and doc.requested_by == cast.company_user
    text = pdf_text(doc.file.path)
    assert "テスト精密工業株式会社" in text
    assert "DX推進計画書" in text
    assert "経営理念・ミッション" in text and "デジタル化を進める" in text
    fonts = pdf_fonts(doc.file.path)
    assert "Noto-Sans-CJK-JP" in fonts and "Noto-Serif-CJK-JP" in fonts, fonts
    # Every font is embedded ("emb" column yes).
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all("yes" in row[-5:-2] for row in rows), fonts
    # Download through the permission check.
    download = client.get(url("download", doc.pk))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert "attachment" in download["Content-Disposition"]


def test_htmx_request_returns_status_partial_and_status_polls(
    cast, login, django_capture_on_commit_callbacks
):
    enroll(cast)
    client = login(cast.itc)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            url("request"),
            {"kind": "progress_report", "company": cast.company.pk},
            HTTP_HX_REQUEST="true",
        )
    html = response.content.decode()
    assert "HX-Request" in response["Vary"]  # the partial here, a redirect without htmx
    doc = GeneratedDocument.objects.get()
    # The commit callbacks did not run, so no message was sent: the row waits for the queue.
    assert "キュー待ち" in html and 'hx-trigger="every 2s"' in html
    GeneratedDocument.objects.filter(pk=doc.pk).update(enqueued_at=timezone.now())
    assert "待機中" in client.get(url("status", doc.pk)).content.decode()
    GeneratedDocument.objects.filter(pk=doc.pk).update(status="rendering")
    assert "作成中" in client.get(url("status", doc.pk)).content.decode()
    render_document(doc.pk)  # a stale "rendering" claim younger than the time limit is left alone
    doc.refresh_from_db()
    assert doc.status == "rendering"
    GeneratedDocument.objects.filter(pk=doc.pk).update(status="queued")
    render_document(doc.pk)
    html = client.get(url("status", doc.pk)).content.decode()
    assert "完了" in html and url("download", doc.pk) in html and "every 2s" not in html


def test_progress_report_pdf(cast, django_capture_on_commit_callbacks):
    track = enroll(cast)
    log_first_session(cast, track)
    with django_capture_on_commit_callbacks(execute=True):
        doc = document_request(kind="progress_report", company=cast.company, user=cast.bank_user)
    doc.refresh_from_db()
    assert doc.status == GeneratedDocument.Status.READY, doc.error
    text = pdf_text(doc.file.path)
    assert "進捗レポート" in text and "テスト精密工業株式会社" in text
    assert "1/10" in text and "ミッション案の作成" in text and "伴走支援中" in text


def test_render_twice_is_harmless(cast, django_capture_on_commit_callbacks):
    enroll(cast)
    with django_capture_on_commit_callbacks(execute=True):
        doc = document_request(kind="dx_plan", company=cast.company, user=cast.coordinator)
    doc.refresh_from_db()
    first_file = doc.file.name
    assert render_document(doc.pk) == GeneratedDocument.Status.READY  # nothing to claim: no change
    doc.refresh_from_db()
    assert doc.attempts == 1 and doc.file.name == first_file


def test_failing_render_is_marked_failed_and_retry_works(
    cast, login, monkeypatch, django_capture_on_commit_callbacks
):
    enroll(cast)

    def broken(*, document):
        raise RuntimeError("フォントが見つかりません")

    monkeypatch.setattr(rendering, "document_render", broken)
    client = login(cast.company_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("request"), {"kind": "dx_plan", "company": cast.company.pk})
    doc = GeneratedDocument.objects.get()
    assert doc.status == GeneratedDocument.Status.FAILED
    assert "RuntimeError: フォントが見つかりません" in doc.error
    html = client.get(url("status", doc.pk)).content.decode()
    assert "失敗" in html and "フォントが見つかりません" in html and "再実行" in html
    assert client.get(url("download", doc.pk)).status_code == 404

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("retry", doc.pk), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    doc.refresh_from_db()
    assert doc.status == GeneratedDocument.Status.READY and doc.error == "" and doc.attempts == 2
    assert "テスト精密工業株式会社" in pdf_text(doc.file.path)
    # Retrying a ready document is refused and changes nothing.
    client.post(url("retry", doc.pk))
    doc.refresh_from_db()
    assert doc.status == GeneratedDocument.Status.READY and doc.attempts == 2


def test_download_and_status_404_for_other_bank_and_other_tenant(
    cast, login, django_capture_on_commit_callbacks
):
    enroll(cast)
    with django_capture_on_commit_callbacks(execute=True):
        doc = document_request(kind="dx_plan", company=cast.company, user=cast.coordinator)
    assert login(cast.bank_user).get(url("download", doc.pk)).status_code == 200
    for user in (
        cast.other_bank_user,
        cast.other_company_user,
        cast.vendor_user,
        cast.itc_nagano,
        cast.association_user,
    ):
        client = login(user)
        assert client.get(url("download", doc.pk)).status_code == 404
        assert client.get(url("status", doc.pk)).status_code == 404
        assert client.post(url("retry", doc.pk)).status_code == 404
        assert client.post(url("request"), {"kind": "dx_plan", "company": cast.company.pk}).status_code == 404
    client = login(cast.stranger_coordinator)
    other = reverse("documents:download", args=["other", doc.pk])
    assert client.get(other).status_code == 404
    assert GeneratedDocument.objects.count() == 1


def test_request_refused_for_unknown_kind_and_not_enrolled(cast, login):
    client = login(cast.coordinator)
    client.post(url("request"), {"kind": "dx_plan", "company": cast.company.pk})
    enroll(cast)
    client.post(url("request"), {"kind": "secret", "company": cast.company.pk})
    assert not GeneratedDocument.objects.exists()
    with pytest.raises(PermissionDenied):
        document_request(kind="dx_plan", company=cast.company, user=cast.other_bank_user)
    doc = GeneratedDocument.objects.create(consortium=cast.consortium, kind="dx_plan", company=cast.company)
    with pytest.raises(PermissionDenied):
        document_retry(document=doc, user=cast.other_bank_user)


def test_url_fetcher_serves_only_static_files():
    css = rendering.static_url_fetcher(rendering.PDF_BASE_URL + "static/css/app.css")
    assert b"dxcommunity" in css["string"]
    for bad in (
        "file:///etc/passwd",
        "https://example.com/x.png",
        rendering.PDF_BASE_URL + "static/../../etc/passwd",
        rendering.PDF_BASE_URL + "media/documents/1/dx_plan/x.pdf",
    ):
        with pytest.raises(rendering.ForbiddenResource):
            rendering.static_url_fetcher(bad)
