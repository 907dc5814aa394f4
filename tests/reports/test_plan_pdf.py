"""The DX推進計画書 and progress report PDFs' content, the render_document command, the no-half-file write,
the stale claim, and the bench track command."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accompaniment.models import DxPlan, Homework
from accompaniment.plan.roadmap import roadmap_svg
from accompaniment.plan.services import KpiRow, RoadmapRow, plan_save
from reports import tasks
from reports.models import GeneratedDocument
from tests.accompaniment.factories import enroll, fill_plan, log_first_session

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def pdf_text(path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def _plan_with_rows(cast):
    enroll(cast)
    fill_plan(cast)
    plan = DxPlan.objects.get(company=cast.company)
    plan_save(
        plan=plan,
        user=cast.itc,
        sections={},
        kpis=[KpiRow(name="受注処理時間", unit="分", baseline=Decimal("30"), target=Decimal("10"))],
        roadmap=[
            RoadmapRow(
                title="受発注システム導入", start_month=dt.date(2023, 4, 1), end_month=dt.date(2023, 9, 1)
            ),
            RoadmapRow(
                title="<b>在庫の見える化</b>", start_month=dt.date(2023, 10, 1), end_month=dt.date(2024, 3, 1)
            ),
        ],
    )
    return plan


def test_plan_pdf_has_cover_contents_kpis_and_roadmap(cast, tmp_path):
    _plan_with_rows(cast)
    out = tmp_path / "plan.pdf"
    stdout = StringIO()
    call_command("render_document", "dx_plan", str(cast.company.pk), "-o", str(out), stdout=stdout)
    assert "pages" in stdout.getvalue() and out.read_bytes().startswith(b"%PDF")
    text = pdf_text(out)
    assert (
        "テスト精密工業株式会社" in text and "DX推進計画書" in text and "第2版" in text
    )  # fill_plan saved version 1, the rows version 2
    assert "目次" in text and "付録1 目標値（KPI）一覧" in text
    assert "受注処理時間" in text and "受発注システム導入" in text and "<b>在庫の見える化</b>" in text
    assert "2023年" in text  # the Gantt chart's year row
    # Contents carry page numbers (target-counter): the line of section 1 ends in a number.
    toc_line = next(
        line for line in text.splitlines() if "1. 経営理念・ミッション" in line and "." * 5 in line
    )
    assert toc_line.rstrip()[-1].isdigit()


def test_roadmap_svg_escapes_and_spans_the_months():
    svg = roadmap_svg(
        items=[
            {
                "title": "<script>x</script>",
                "start_month": dt.date(2023, 4, 1),
                "end_month": dt.date(2023, 6, 1),
                "owner": "",
            },
            {
                "title": "b",
                "start_month": dt.date(2023, 5, 1),
                "end_month": dt.date(2024, 3, 1),
                "owner": "総務",
            },
        ]
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.count('class="bar"') == 2 and "2023年" in svg and "2024年" in svg
    assert roadmap_svg(items=[]) == ""


def test_progress_report_content(cast, tmp_path):
    track = enroll(cast)
    log_first_session(cast, track)
    Homework.objects.filter(session__track=track).update(due_date=timezone.localdate() - dt.timedelta(days=3))
    out = tmp_path / "report.pdf"
    call_command(
        "render_document", "progress_report", str(cast.company.pk), "-o", str(out), stdout=StringIO()
    )
    text = pdf_text(out)
    assert "進捗レポート" in text and "ステージ" in text
    assert "実施済 1/10 回" in text
    assert "期限超過 1" in text and "ミッション案の作成" in text
    assert "DX自己診断の変化" in text and "提出済みの自己診断はありません。" in text
    assert "記入率" in text and "0%" in text


def test_render_document_command_errors(cast, tmp_path):
    enroll(cast)
    with pytest.raises(CommandError, match="unknown kind 'bogus'"):
        call_command("render_document", "bogus", str(cast.company.pk), "-o", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="no company with id 999999"):
        call_command("render_document", "dx_plan", "999999", "-o", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="has no DX推進計画書"):
        call_command("render_document", "dx_plan", str(cast.other_company.pk), "-o", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()


def test_write_atomically_leaves_no_half_file(tmp_path, monkeypatch):
    target = tmp_path / "doc.pdf"
    target.write_bytes(b"%PDF old")

    def boom(src, dst):
        raise OSError("disk gone")

    monkeypatch.setattr(tasks.os, "replace", boom)
    with pytest.raises(OSError):
        tasks.write_atomically(path=target, data=b"%PDF new")
    assert target.read_bytes() == b"%PDF old"  # the old file untouched, no half new one
    assert list(tmp_path.glob(".doc.pdf.*.part")) == []
    monkeypatch.undo()
    (tmp_path / ".doc.pdf.abc.part").write_bytes(b"%PDF half")  # left by a killed worker
    tasks.write_atomically(path=target, data=b"%PDF new")
    assert target.read_bytes() == b"%PDF new" and list(tmp_path.glob("*.part")) == []


def test_stale_rendering_claim_is_reclaimed(cast, monkeypatch):
    enroll(cast)
    doc = GeneratedDocument.objects.create(
        consortium=cast.consortium, kind="progress_report", company=cast.company, status="rendering"
    )
    GeneratedDocument.objects.filter(pk=doc.pk).update(updated_at=timezone.now() - dt.timedelta(seconds=30))
    assert tasks.render_document(doc.pk) == "rendering"  # 30 s old < the default timeout: left alone
    monkeypatch.setenv("DXC_RENDER_CLAIM_TIMEOUT", "5")
    assert tasks.render_document(doc.pk) == "ready"
    doc.refresh_from_db()
    assert (
        doc.status == "ready"
        and doc.attempts == 1
        and doc.file.name.endswith(f"progress_report-{doc.pk}.pdf")
    )


def test_plan_pdf_download_of_other_banks_client_is_404(cast, login, django_capture_on_commit_callbacks):
    _plan_with_rows(cast)
    with django_capture_on_commit_callbacks(execute=True):
        login(cast.bank_user).post(
            reverse("documents:request", args=["dx"]), {"kind": "dx_plan", "company": cast.company.pk}
        )
    doc = GeneratedDocument.objects.get()
    assert doc.status == "ready", doc.error
    download = reverse("documents:download", args=["dx", doc.pk])
    assert login(cast.bank_user).get(download).status_code == 200
    assert login(cast.other_bank_user).get(download).status_code == 404
    assert login(cast.stranger_coordinator).get(download).status_code == 404


def test_bench_track_prints_the_table(db, index_edition):
    stdout = StringIO()
    call_command("bench", "track", stdout=stdout)
    out = stdout.getvalue()
    assert "DX推進計画書 PDF (かすみ精密工業株式会社)" in out and "pages" in out
    assert "進捗レポート PDF render" in out
    assert "track page queries (10 sessions, 5 homework)" in out
    assert "track page queries (10 sessions, 50 homework)" in out
