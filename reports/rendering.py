"""PDF rendering with WeasyPrint from Django templates, and the context of each document kind.

The ``url_fetcher`` only serves our own static files: a template links them with ``{% static %}``,
which resolves against ``PDF_BASE_URL``; every other URL (http, file, data of a stranger) is refused,
so a text typed by a user cannot make the renderer read files or call out.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accompaniment.models import AccompanimentSession, DxPlan, Homework
from programs.models import Company

from .models import GeneratedDocument

# A base URL that never resolves on the network: relative and /static/ URLs become URLs on this host.
PDF_BASE_URL = "https://pdf.dxcommunity.invalid/"

TEMPLATES: dict[str, str] = {
    GeneratedDocument.Kind.DX_PLAN: "reports/dx_plan.html",
    GeneratedDocument.Kind.PROGRESS_REPORT: "reports/progress_report.html",
    GeneratedDocument.Kind.DIAGNOSIS_RESULT: "reports/diagnosis_result.html",
    GeneratedDocument.Kind.ADVICE: "reports/advice.html",
}


class ForbiddenResource(ValueError):
    """A document tried to load something other than our static files."""


def static_url_fetcher(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """WeasyPrint url_fetcher: serve ``<PDF_BASE_URL><STATIC_URL>path`` from the static files finders only.

    Returns {"string": bytes, "mime_type": str, "filename": str}; raises ForbiddenResource otherwise.
    """
    parsed = urlparse(url)
    base = urlparse(PDF_BASE_URL)
    static_prefix = "/" + settings.STATIC_URL.lstrip("/")
    if (parsed.scheme, parsed.netloc) != (base.scheme, base.netloc) or not parsed.path.startswith(
        static_prefix
    ):
        raise ForbiddenResource(f"refused to fetch {url!r}")
    relative = unquote(parsed.path[len(static_prefix) :])
    if ".." in Path(relative).parts:
        raise ForbiddenResource(f"refused to fetch {url!r}")
    found = finders.find(relative)
    if not found:
        raise ForbiddenResource(f"no static file {relative!r}")
    path = Path(found)
    return {
        "string": path.read_bytes(),
        "mime_type": mimetypes.guess_type(path.name)[0] or "application/octet-stream",
        "filename": path.name,
    }


def render_pdf(*, template_name: str, context: dict[str, Any]) -> bytes:
    """Render ``template_name`` with ``context`` to PDF bytes (A4; fonts from the CSS, Noto CJK)."""
    from weasyprint import HTML

    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=static_url_fetcher).write_pdf()


def dx_plan_context(*, company: Company) -> dict[str, Any]:
    """Context of reports/dx_plan.html: company, plan, sections [(field, label, text, session no.)], track."""
    plan = DxPlan.objects.get(consortium_id=company.consortium_id, company=company)
    track = getattr(company, "track", None)
    return {
        "company": company,
        "plan": plan,
        "sections": plan.section_list(),
        "track": track,
        "generated_at": timezone.localtime(),
    }


def progress_report_context(*, company: Company) -> dict[str, Any]:
    """Context of reports/progress_report.html: stage, sessions (held of 10), homework, plan completeness."""
    from accompaniment.selectors import track_for_company, track_progress

    track = track_for_company(company=company)
    plan = DxPlan.objects.filter(consortium_id=company.consortium_id, company=company).first()
    homework = list(
        Homework.objects.filter(consortium_id=company.consortium_id, session__track__company=company)
        .select_related("session")
        .order_by("session__number", "id")
    )
    return {
        "company": company,
        "track": track,
        "sessions": list(track.sessions.all()) if track else [],
        "progress": track_progress(track=track) if track else None,
        "homework": homework,
        "plan": plan,
        "stages": [
            (value, label, i <= company.stage_index) for i, (value, label) in enumerate(Company.Stage.choices)
        ],
        "held_status": AccompanimentSession.Status.HELD,
        "generated_at": timezone.localtime(),
    }


def diagnosis_result_context(*, document: GeneratedDocument) -> dict[str, Any]:
    """Context of reports/diagnosis_result.html: the same data as the result page
    (``diagnosis.selectors.diagnosis_result_page``: results, comparison, charts, changes) for the document's
    diagnosis."""
    from diagnosis.selectors import diagnosis_result_page

    diagnosis = document.diagnosis
    return {
        "company": document.company,
        "diagnosis": diagnosis,
        **diagnosis_result_page(diagnosis=diagnosis),
        "generated_at": timezone.localtime(),
    }


def advice_context(*, document: GeneratedDocument) -> dict[str, Any]:
    """Context of reports/advice.html: the result data plus the advisor session (weak items, notes)."""
    return diagnosis_result_context(document=document)


CONTEXTS = {
    GeneratedDocument.Kind.DX_PLAN: dx_plan_context,
    GeneratedDocument.Kind.PROGRESS_REPORT: progress_report_context,
}
# Kinds whose context is built from the document itself (its diagnosis), not only the company.
DOCUMENT_CONTEXTS = {
    GeneratedDocument.Kind.DIAGNOSIS_RESULT: diagnosis_result_context,
    GeneratedDocument.Kind.ADVICE: advice_context,
}


def document_render(*, document: GeneratedDocument) -> bytes:
    """PDF bytes of ``document`` (its kind and company). Needs the tenant scope active.

    Documents are always rendered in Japanese (LANGUAGE_CODE), whatever the language of the person who
    asked: the DX推進計画書 and the progress report are program documents, and a Celery worker has no
    request language, so eager and worker runs would otherwise differ.
    """
    with translation.override(settings.LANGUAGE_CODE):
        if document.kind in DOCUMENT_CONTEXTS:
            context = DOCUMENT_CONTEXTS[document.kind](document=document)
        else:
            context = CONTEXTS[document.kind](company=document.company)
        return render_pdf(template_name=TEMPLATES[document.kind], context=context)


def document_filename(*, document: GeneratedDocument) -> str:
    """Download name, e.g. 「DX推進計画書_テスト精密工業株式会社.pdf」."""
    return f"{document.get_kind_display()}_{document.company.name}.pdf"
