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

from accompaniment.models import AccompanimentSession, AccompanimentTrack, DxPlan, Homework
from dxcommunity.tenancy.models import Company
from programs.models import Participation
from programs.participations.selectors import participation_current
from reports.models import GeneratedDocument

# A base URL that never resolves on the network: relative and /static/ URLs become URLs on this host.
PDF_BASE_URL = "https://pdf.dxcommunity.invalid/"

TEMPLATES: dict[str, str] = {
    GeneratedDocument.Kind.DX_PLAN: "reports/dx_plan.html",
    GeneratedDocument.Kind.PROGRESS_REPORT: "reports/progress_report.html",
    GeneratedDocument.Kind.DIAGNOSIS_RESULT: "reports/diagnosis_result.html",
    GeneratedDocument.Kind.ADVICE: "reports/advice.html",
    GeneratedDocument.Kind.RESULTS_REPORT: "reports/results_report.html",
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


def render_pdf_pages(*, template_name: str, context: dict[str, Any]) -> tuple[bytes, int]:
    """Render ``template_name`` with ``context``: (PDF bytes, page count). A4; fonts from the CSS (Noto
    CJK, embedded as subsets by WeasyPrint)."""
    from weasyprint import HTML

    html = render_to_string(template_name, context)
    document = HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=static_url_fetcher).render()
    return document.write_pdf(), len(document.pages)


def _latest_submitted_diagnoses(*, company: Company) -> list[Any]:
    """The company's submitted diagnoses, oldest first (``diagnosis.selectors.diagnoses_submitted``: the
    last one is 「最新の診断」)."""
    from diagnosis.selectors import diagnoses_submitted

    return list(
        diagnoses_submitted(company_id=company.pk, consortium_id=company.consortium_id).select_related(
            "edition"
        )
    )


def dx_plan_context(*, company: Company, program: Any = None) -> dict[str, Any]:
    """Context of reports/dx_plan.html: company, plan, sections [(field, label, text, session no.)], track,
    kpis, roadmap (+ ``roadmap_svg``), ``gauge`` (completeness), ``version`` (latest PlanVersion or None),
    ``diagnosis`` (latest submitted or None) and its ``charts`` (diagnosis.results.charts, one SVG per
    group). The plan of the company's participation in ``program`` (None: its current participation);
    raises DxPlan.DoesNotExist when that participation has none."""
    from accompaniment.models import PlanVersion
    from accompaniment.plan.roadmap import roadmap_svg
    from accompaniment.selectors import plan_completeness, plan_for_company

    plan = plan_for_company(company=company, program=program)
    if plan is None:
        raise DxPlan.DoesNotExist(f"no DX推進計画書 for company {company.pk}")
    track = (
        AccompanimentTrack.objects.filter(
            consortium_id=company.consortium_id, participation=plan.participation_id
        )
        .select_related("program", "leader", "bank")
        .first()
    )
    kpis = list(plan.kpis.order_by("order", "id"))
    roadmap = list(plan.roadmap_items.order_by("order", "start_month", "id"))
    diagnoses = _latest_submitted_diagnoses(company=company)
    diagnosis = diagnoses[-1] if diagnoses else None
    charts: list[dict[str, Any]] = []
    if diagnosis is not None:
        from diagnosis.selectors import diagnosis_result_page

        charts = diagnosis_result_page(diagnosis=diagnosis)["charts"]
    return {
        "company": company,
        "plan": plan,
        "sections": plan.section_list(),
        "track": track,
        "kpis": kpis,
        "roadmap": roadmap,
        "roadmap_svg": roadmap_svg(items=roadmap),
        "gauge": plan_completeness(plan=plan, kpi_count=len(kpis), roadmap_count=len(roadmap)),
        "version": PlanVersion.objects.filter(consortium_id=company.consortium_id, plan=plan)
        .order_by("-number")
        .first(),
        "diagnosis": diagnosis,
        "charts": charts,
        "generated_at": timezone.localtime(),
    }


def _diagnosis_change(*, company: Company) -> dict[str, Any] | None:
    """First vs latest submitted diagnosis: {"first", "latest", "overall": (before, after), "groups":
    [(name, before, after)]} with mean current maturity (0–5, Decimal/float as diagnosis_results gives);
    None without a submitted diagnosis ("latest" is None with only one)."""
    from diagnosis.selectors import diagnosis_results

    diagnoses = _latest_submitted_diagnoses(company=company)
    if not diagnoses:
        return None
    first = diagnosis_results(diagnosis=diagnoses[0])
    if len(diagnoses) == 1:
        return {
            "first": diagnoses[0],
            "latest": None,
            "overall": (first["overall"]["current"], None),
            "groups": [(g["short_name"] or g["name"], g["current"], None) for g in first["groups"]],
        }
    latest = diagnosis_results(diagnosis=diagnoses[-1])
    after = {g["key"]: g["current"] for g in latest["groups"]}
    return {
        "first": diagnoses[0],
        "latest": diagnoses[-1],
        "overall": (first["overall"]["current"], latest["overall"]["current"]),
        "groups": [
            (g["short_name"] or g["name"], g["current"], after.get(g["key"])) for g in first["groups"]
        ],
    }


def progress_report_context(*, company: Company, program: Any = None) -> dict[str, Any]:
    """Context of reports/progress_report.html: stage, sessions (held of 10, attendance rule per held
    session when ``accompaniment.selectors.session_check`` exists), homework (open / done / overdue),
    diagnosis change (first vs latest submitted), plan completeness (``gauge``); of the company's
    participation in ``program`` (None: its current participation, ``participation_current``)."""
    from accompaniment import selectors as acc_selectors
    from accompaniment.selectors import plan_completeness

    participation = participation_current(company=company, program=program)
    track = acc_selectors.track_for_company(company=company, program=program)
    plan = acc_selectors.plan_for_company(company=company, program=program)
    today = timezone.localdate()
    homework = list(
        Homework.objects.filter(consortium_id=company.consortium_id, session__track=track)
        .select_related("session")
        .order_by("session__number", "id")
    )
    for h in homework:
        h.state = "done" if h.done else ("overdue" if h.due_date and h.due_date < today else "open")
    sessions = (
        list(track.sessions.prefetch_related("attendances").order_by("number")) if track is not None else []
    )
    check = getattr(acc_selectors, "session_check", None)  # the attendance rule, when present
    rows = []
    for s in sessions:
        result = check(session=s, today=today) if check is not None else None
        rows.append(
            {
                "session": s,
                "attendees": len(s.attendances.all()),
                "rule_ok": getattr(result, "rule_ok", None),
                "missed": getattr(result, "missed", False),
            }
        )
    held = [r for r in rows if r["session"].status == AccompanimentSession.Status.HELD]
    return {
        "company": company,
        "track": track,
        "sessions": sessions,
        "session_rows": rows,
        "sessions_held": len(held),
        "sessions_attended": sum(1 for r in held if r["attendees"]),
        "sessions_rule_ok": sum(1 for r in held if r["rule_ok"]),
        "has_rule": check is not None,
        "progress": acc_selectors.track_progress(track=track) if track else None,
        "homework": homework,
        "homework_counts": {
            state: sum(1 for h in homework if h.state == state) for state in ("open", "done", "overdue")
        },
        "diagnosis_change": _diagnosis_change(company=company),
        "plan": plan,
        "gauge": plan_completeness(plan=plan) if plan else None,
        "participation": participation,
        "stages": [
            (value, label, participation is not None and i <= participation.stage_index)
            for i, (value, label) in enumerate(Participation.Stage.choices)
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


def results_report_context(*, document: GeneratedDocument) -> dict[str, Any]:
    """Context of reports/results_report.html: ``report`` (``reports.results.report.results_report_data``
    for the
    document's program or fiscal year, limited to the requester's region for a regional coordinator)."""
    from reports.documents.selectors import results_companies_for_document
    from reports.results.report import results_report_data

    report = results_report_data(
        consortium=document.consortium,
        program=document.program,
        fiscal_year=document.fiscal_year if document.program_id is None else None,
        companies=results_companies_for_document(document=document),
    )
    return {"report": report, "generated_at": report["generated_at"]}


CONTEXTS = {
    GeneratedDocument.Kind.DX_PLAN: dx_plan_context,
    GeneratedDocument.Kind.PROGRESS_REPORT: progress_report_context,
}
# Kinds whose context is built from the document itself (its diagnosis), not only the company.
DOCUMENT_CONTEXTS = {
    GeneratedDocument.Kind.DIAGNOSIS_RESULT: diagnosis_result_context,
    GeneratedDocument.Kind.ADVICE: advice_context,
    GeneratedDocument.Kind.RESULTS_REPORT: results_report_context,
}


def document_render(*, document: GeneratedDocument) -> bytes:
    """PDF bytes of ``document``; see ``document_render_pages``."""
    return document_render_pages(document=document)[0]


def kind_render_pages(
    *, kind: str, company: Company, diagnosis: Any | None = None, program: Any = None
) -> tuple[bytes, int]:
    """(PDF bytes, page count) of a document of ``kind`` for ``company`` without a GeneratedDocument row
    (the ``render_document`` command and the benchmark; the task goes through the same function).
    Needs the tenant scope active. Raises KeyError for an unknown kind, DxPlan.DoesNotExist for a
    DX推進計画書 of a company that is not enrolled."""
    document = GeneratedDocument(
        consortium_id=company.consortium_id, kind=kind, company=company, diagnosis=diagnosis, program=program
    )
    if kind not in TEMPLATES:
        raise KeyError(kind)
    return document_render_pages(document=document)


def document_render_pages(*, document: GeneratedDocument) -> tuple[bytes, int]:
    """PDF bytes of ``document`` (its kind and company). Needs the tenant scope active.

    Documents are always rendered in Japanese (LANGUAGE_CODE), whatever the language of the person who
    asked: the DX推進計画書 and the progress report are program documents, and a Celery worker has no
    request language, so eager and worker runs would otherwise differ.
    """
    with translation.override(settings.LANGUAGE_CODE):
        if document.kind in DOCUMENT_CONTEXTS:
            context = DOCUMENT_CONTEXTS[document.kind](document=document)
        else:
            context = CONTEXTS[document.kind](company=document.company, program=document.program)
        return render_pdf_pages(template_name=TEMPLATES[document.kind], context=context)


def document_filename(*, document: GeneratedDocument) -> str:
    """Download name, e.g. 「DX推進計画書_テスト精密工業株式会社.pdf」, 「実績報告書_令和4年度.pdf」."""
    if document.company_id is not None:
        subject = document.company.name
    elif document.program_id is not None:
        subject = f"{document.program.fiscal_year_label}_{document.program.name}"
    else:
        from programs.models import fiscal_year_label

        subject = fiscal_year_label(document.fiscal_year) if document.fiscal_year else ""
    return f"{document.get_kind_display()}_{subject}.pdf".replace("/", "_")
